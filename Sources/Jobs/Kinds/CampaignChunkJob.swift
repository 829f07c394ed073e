import Foundation
import Logging
import PostgresNIO
import QueueEngine

/// Sends one chunk of a campaign. Each recipient's outcome is committed right after its send
/// (`sent`, `bounced`, `skipped` for suppressed or unsubscribed addresses, `failed`), and only
/// `queued` recipients are read, so a retried or rescued chunk sends nobody twice — except the one
/// message in flight when a worker died after the provider took it and before its outcome was
/// committed; that resend carries the same Message-ID. Paced to the workspace's share of
/// `CAMPAIGN_RATE_PER_SECOND`. Provider trouble retries the chunk; on its last attempt the chunk's
/// remaining recipients are marked failed, so the campaign still ends.
public struct CampaignChunkJob: JobKind {
    public struct Args: Codable, Sendable {
        public var campaignID: UUID
        public var chunk: Int

        public init(campaignID: UUID, chunk: Int) {
            self.campaignID = campaignID
            self.chunk = chunk
        }
    }

    struct Result: Codable {
        let sent: Int
        let skipped: Int
        let bounced: Int
        let failed: Int
    }

    public static let name = "email.campaign-chunk"
    public static var defaults: JobDefaults {
        JobDefaults(queue: "email-bulk", maxAttempts: 8, timeout: .seconds(3_600), retryPolicy: RetryPolicy(base: .seconds(30), cap: .seconds(900)))
    }

    let client: PostgresClient
    let mail: MailService?

    public init(client: PostgresClient, mail: MailService?) {
        self.client = client
        self.mail = mail
    }

    public func run(_ args: Args, context: JobContext) async throws -> JobOutcome {
        if let reason = MailService.unavailableReason(mail) { return .discard(reason: reason) }
        guard let mail else { return .discard(reason: "email is not configured") }
        let logger = context.logger
        let loaded: (CampaignRecord, EmailTemplate?, [PendingRecipient], [String: String])? = try await client.withConnection { connection in
            guard let campaign = try await CampaignStore.campaign(id: args.campaignID, on: connection, logger: logger),
                  campaign.state == "sending" else { return nil }
            let template = try await CampaignMessage.template(named: campaign.template, workspaceID: campaign.workspaceID,
                                                              templates: mail.templates, on: connection, logger: logger)
            let pending = try await CampaignStore.pending(campaignID: campaign.id, chunk: args.chunk, on: connection, logger: logger)
            let suppressed = try await EmailStore.suppressions(of: pending.map(\.address), workspaceID: campaign.workspaceID,
                                                               on: connection, logger: logger)
            return (campaign, template, pending, suppressed)
        }
        guard let (campaign, template, pending, suppressed) = loaded else { return .success }
        let campaignVariables = (try? JSONDecoder().decode([String: TemplateValue].self, from: Data(campaign.variablesJSON.utf8))) ?? [:]
        var tally = (sent: 0, skipped: 0, bounced: 0, failed: 0)
        let clock = ContinuousClock()
        var nextSend = clock.now

        for (index, recipient) in pending.enumerated() {
            try Task.checkCancellation()
            if let reason = suppressed[recipient.address.lowercased()] {
                try await mark(recipient, "skipped", error: reason, logger: logger)
                tally.skipped += 1
                continue
            }
            guard let template else {
                try await mark(recipient, "failed", error: "template \(campaign.template) does not exist", logger: logger)
                tally.failed += 1
                continue
            }
            let unsubscribe = CampaignMessage.unsubscribeURL(workspaceID: campaign.workspaceID, address: recipient.address,
                                                             mail: mail.configuration, sealer: mail.sealer)
            let variables = CampaignMessage.variables(
                campaign: campaignVariables, recipient: CampaignRecipient(address: recipient.address, name: recipient.name,
                                                                          variables: recipient.variables),
                unsubscribeURL: unsubscribe).merging(mail.templates.globals) { own, _ in own }
            let rendered: RenderedEmail
            do {
                rendered = try template.render(variables)
            } catch {
                try await mark(recipient, "failed", error: "\(error)", logger: logger)
                tally.failed += 1
                continue
            }
            try await clock.sleep(until: nextSend)
            nextSend = clock.now + mail.configuration.campaigns.interval
            let message = EmailMessage(
                id: mail.configuration.messageID("campaign-\(campaign.id.uuidString.lowercased())-\(recipient.id)"), from: mail.configuration.from,
                to: EmailAddress(recipient.address, name: recipient.name), subject: rendered.subject, text: rendered.text, html: rendered.html,
                headers: [("List-Unsubscribe", "<\(unsubscribe)>"), ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")])
            let outcome: Swift.Result<String, MailError>
            do { outcome = .success(try await mail.mailer.send(message)) } catch { outcome = .failure(error) }
            switch outcome {
            case .success(let provider):
                try await mark(recipient, "sent", provider: provider, logger: logger)
                tally.sent += 1
            case .failure(.rejected(let provider, let address, let reason)):
                try await client.withTransaction(logger: logger) { connection in
                    try await CampaignStore.mark(recipientID: recipient.id, state: "bounced", provider: provider, error: reason,
                                                 on: connection, logger: logger)
                    try await EmailStore.suppress(address, reason: reason, provider: provider, on: connection, logger: logger)
                }
                tally.bounced += 1
            case .failure(let error):
                guard context.attempt >= context.maxAttempts else { throw error }
                try await client.withTransaction(logger: logger) { connection in
                    try await CampaignStore.closeChunk(campaignID: campaign.id, chunk: args.chunk, state: "failed", error: error.description,
                                                       on: connection, logger: logger)
                    try await CampaignStore.completeIfDone(campaignID: campaign.id, on: connection, logger: logger)
                }
                return .discard(reason: "out of attempts: \(error); the chunk's remaining recipients are marked failed")
            }
            if index % 50 == 49 { try await context.reportProgress((index + 1) * 100 / pending.count) }
        }
        _ = try await client.withConnection { connection in
            try await CampaignStore.completeIfDone(campaignID: campaign.id, on: connection, logger: logger)
        }
        return try .success(Result(sent: tally.sent, skipped: tally.skipped, bounced: tally.bounced, failed: tally.failed))
    }

    private func mark(_ recipient: PendingRecipient, _ state: String, provider: String? = nil, error: String? = nil,
                      logger: Logger) async throws {
        _ = try await client.withConnection { connection in
            try await CampaignStore.mark(recipientID: recipient.id, state: state, provider: provider, error: error, on: connection, logger: logger)
        }
    }
}
