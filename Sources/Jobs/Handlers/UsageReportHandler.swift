import Foundation
import Platform
import PostgresNIO
import QueueEngine

/// Runs `UsageReportJob` (its arguments and defaults are defined in Platform, for producers).
public struct UsageReportHandler: JobHandler {
    public typealias Definition = UsageReportJob
    public typealias Args = UsageReportJob.Args

    struct Result: Codable {
        let reports: Int
        let emails: Int
    }

    let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    public func run(_ args: Args, context: JobContext) async throws -> JobOutcome {
        guard (1...31).contains(args.periodDays) else { return .discard(reason: "periodDays must be 1 to 31") }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let end = calendar.startOfDay(for: Date())
        let start = end.addingTimeInterval(-Double(args.periodDays) * 86_400)
        let logger = context.logger
        let summaries = try await client.withConnection { connection in
            try await UsageSummary.collect(from: start, to: end, workspaceID: args.workspaceID, on: connection, logger: logger)
        }
        let period = Self.periodText(start: start, end: end)
        var result = (reports: 0, emails: 0)
        for summary in summaries where !summary.isEmpty {
            let sent = try await client.transaction(logger: logger) { connection -> Int in
                guard try await UsageSummary.record(summary, periodDays: args.periodDays, periodEnd: end, on: connection, logger: logger) else {
                    return -1
                }
                return try await WorkspaceMail.toManagers(Self.email(summary, period: period), workspaceID: summary.workspaceID,
                                                             on: connection, logger: logger)
            }
            guard sent >= 0 else { continue }
            result.reports += 1
            result.emails += sent
        }
        return try .success(Result(reports: result.reports, emails: result.emails))
    }

    static func email(_ summary: UsageSummary, period: String) -> UsageReportEmail {
        func minutes(_ seconds: Double) -> String { String(format: "%.1f", seconds / 60) }
        return UsageReportEmail(
            workspaceName: summary.workspaceName, period: period, calls: summary.calls, callMinutes: minutes(Double(summary.callSeconds)),
            transcriptionMinutes: minutes(summary.transcribedSeconds), emails: summary.emails,
            creditsUsed: CreditFormat.text(summary.creditsUsed), balance: CreditFormat.text(summary.balance),
            topAssistants: summary.topAssistants.map {
                UsageReportEmail.AssistantLine(name: $0.name, calls: $0.calls, minutes: minutes(Double($0.seconds)))
            })
    }

    /// `2026-11-18 – 2026-11-24` (the last day included), or one day.
    static func periodText(start: Date, end: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        let last = end.addingTimeInterval(-86_400)
        let first = formatter.string(from: start)
        let lastText = formatter.string(from: last)
        return first == lastText ? first : "\(first) – \(lastText)"
    }
}
