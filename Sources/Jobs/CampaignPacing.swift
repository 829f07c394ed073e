import Foundation
import Platform
import Providers

/// Keeps one workspace's campaign mail to `CAMPAIGN_RATE_PER_SECOND`. With the mailer's shared
/// throttle the rate holds across every running chunk and worker; without one (a process with no
/// database behind its mailer) each chunk keeps to its share, the rate divided by the workspace's
/// chunk concurrency.
struct CampaignPacing {
    let throttle: (any SendThrottle)?
    let key: String
    let rate: Double
    let share: Duration
    private var next = ContinuousClock.now

    init(mail: MailService, workspaceID: UUID) {
        throttle = mail.mailer.throttle
        key = "campaign:\(workspaceID.uuidString.lowercased())"
        rate = mail.configuration.campaigns.ratePerWorkspace
        share = mail.configuration.campaigns.interval
    }

    /// Waits until `count` more sends fit the rate.
    mutating func wait(for count: Int) async throws {
        if let throttle {
            try await throttle.pace(key, permits: count, rate: rate)
            return
        }
        try await ContinuousClock().sleep(until: next)
        next = .now + share * count
    }
}
