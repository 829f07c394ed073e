import Foundation
import Logging
import PostgresNIO
import QueueEngine

/// Warns a workspace's Owners and Admins by email when its balance crosses one of its warning
/// thresholds (percentages of the allowance set by the latest grant; a new grant rearms them) and
/// when its spend in the last hour is `usageFactor` times its usual hourly spend over the week
/// before. Each crossing and each such hour is recorded with the emails in one transaction, so
/// repeated runs send one warning per crossing, not one per run. Scheduled from `cron/`.
public struct CreditCheckJob: JobKind {
    public struct Args: Codable, Sendable {
        /// How many times the usual hourly spend counts as unusual (default 5).
        public var usageFactor: Double?
        /// Spend in an hour below this never alerts, in millicredits (default 10,000: 10 credits).
        public var usageMinimum: Int64?

        public init(usageFactor: Double? = nil, usageMinimum: Int64? = nil) {
            self.usageFactor = usageFactor
            self.usageMinimum = usageMinimum
        }
    }

    struct Result: Codable {
        let thresholdWarnings: Int
        let usageAlerts: Int
        let emails: Int
    }

    public static let name = "credits.check"
    public static var defaults: JobDefaults { JobDefaults(queue: "maintenance", maxAttempts: 3, timeout: .seconds(600)) }

    let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    public func run(_ args: Args, context: JobContext) async throws -> JobOutcome {
        let factor = args.usageFactor ?? 5
        let minimum = args.usageMinimum ?? 10_000
        guard factor >= 1, minimum >= 0 else { return .discard(reason: "usageFactor must be at least 1 and usageMinimum not negative") }
        let logger = context.logger
        var result = (warnings: 0, alerts: 0, emails: 0)

        let low = try await client.withConnection { try await CreditAlertStore.lowBalances(on: $0, logger: logger) }
        for workspace in low {
            let account = workspace.account
            let crossed = account.warningThresholds.filter { account.balance * 100 <= account.allowance * Int64($0) }
            guard let lowest = crossed.min() else { continue }
            let sent = try await client.transaction(logger: logger) { connection -> Int in
                let new = try await CreditAlertStore.record(workspaceID: workspace.workspaceID, kind: "threshold", epoch: workspace.grantID,
                                                            levels: crossed, balance: account.balance, on: connection, logger: logger)
                guard !new.isEmpty else { return 0 }
                try await WebhookEvents.creditsLow(workspaceID: workspace.workspaceID, account: account, thresholdPercent: lowest,
                                                   on: connection, logger: logger)
                let content = CreditWarningEmail(workspaceName: workspace.workspaceName, thresholdPercent: lowest,
                                                 balance: CreditFormat.text(account.balance), reference: CreditFormat.text(account.allowance),
                                                 depleted: account.balance <= 0)
                return try await WorkspaceMail.toManagers(content, workspaceID: workspace.workspaceID, on: connection, logger: logger)
            }
            if sent > 0 { result.warnings += 1 }
            result.emails += sent
        }

        let hour = Int64(Date().timeIntervalSince1970 / 3_600)
        let spikes = try await client.withConnection {
            try await CreditAlertStore.spendSpikes(factor: factor, minimum: minimum, on: $0, logger: logger)
        }
        for spike in spikes {
            let sent = try await client.transaction(logger: logger) { connection -> Int in
                // The window is the last 60 minutes, so a spike alerted in the hour before is the same spike.
                if try await CreditAlertStore.hasAlert(workspaceID: spike.workspaceID, kind: "usage", epoch: hour - 1,
                                                       on: connection, logger: logger) { return 0 }
                let new = try await CreditAlertStore.record(workspaceID: spike.workspaceID, kind: "usage", epoch: hour, levels: [0],
                                                            balance: spike.balance, on: connection, logger: logger)
                guard !new.isEmpty else { return 0 }
                let content = UsageAlertEmail(workspaceName: spike.workspaceName, lastHour: CreditFormat.text(spike.lastHour),
                                              usualHourly: CreditFormat.text(spike.usualHourly), balance: CreditFormat.text(spike.balance))
                return try await WorkspaceMail.toManagers(content, workspaceID: spike.workspaceID, on: connection, logger: logger)
            }
            if sent > 0 { result.alerts += 1 }
            result.emails += sent
        }
        return try .success(Result(thresholdWarnings: result.warnings, usageAlerts: result.alerts, emails: result.emails))
    }
}
