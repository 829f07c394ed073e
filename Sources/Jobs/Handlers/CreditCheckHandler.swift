import Foundation
import Logging
import Platform
import PostgresNIO
import QueueEngine

/// Runs `CreditCheckJob` (its arguments and defaults are defined in Platform, for producers).
public struct CreditCheckHandler: JobHandler {
    public typealias Definition = CreditCheckJob
    public typealias Args = CreditCheckJob.Args

    struct Result: Codable {
        let staleCallsCharged: Int
        let thresholdWarnings: Int
        let usageAlerts: Int
        let emails: Int
    }

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

        // Calls whose end was never reported are charged first, so the balances below include them.
        let stale = try await client.withConnection { try await ConversationBilling.uncharged(limit: 1_000, on: $0, logger: logger) }
        for conversation in stale {
            try await client.transaction(logger: logger) { connection in
                _ = try await ConversationBilling.settle(conversationID: conversation, on: connection, logger: logger)
            }
        }

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
        return try .success(Result(staleCallsCharged: stale.count, thresholdWarnings: result.warnings, usageAlerts: result.alerts,
                                   emails: result.emails))
    }
}
