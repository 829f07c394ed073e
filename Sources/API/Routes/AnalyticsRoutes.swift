import Foundation
import Hummingbird
import Logging
import Platform
import PostgresNIO

/// `/api/analytics/...`: the workspace's figures for a period, computed in SQL from its calls, jobs
/// and credit ledger (`Jobs/Analytics`). Credits are shown in credits, durations in seconds.
///
/// The period is `period=24h|7d|30d|90d|365d` ending now (default `30d`), or `from`/`to` (ISO 8601;
/// `to` defaults to now); `interval=hour|day|week|month` buckets the series (default: by span) in
/// the calendar of `tz` (an IANA zone, default UTC).
struct AnalyticsRoutes {
    let database: APIDatabase
    let accessControl: AccessControl

    static let presets: [String: TimeInterval] = ["24h": 86_400, "7d": 7 * 86_400, "30d": 30 * 86_400, "90d": 90 * 86_400, "365d": 365 * 86_400]
    static let zoneNames = Set(TimeZone.knownTimeZoneIdentifiers + ["UTC"])
    /// The longest window a report reads.
    static let maxSpan: TimeInterval = 2 * 366 * 86_400

    func add(to router: Router<APIRequestContext>) {
        router.get("api/analytics/summary", use: summary)
        router.get("api/analytics/realtime", use: realtime)
        router.get("api/analytics/performance", use: performance)
        router.get("api/analytics/billing", use: billing)
    }

    @Sendable func summary(_ request: Request, context: APIRequestContext) async throws -> SummaryView {
        SummaryView(try await report(request, context, WorkspaceSummary.load))
    }

    @Sendable func realtime(_ request: Request, context: APIRequestContext) async throws -> RealtimeView {
        let access = try await accessControl.admit(request, context, requiring: .analyticsRead)
        let logger = database.logger
        return RealtimeView(try await database.read { try await RealtimeSnapshot.load(workspaceID: access.workspaceID, on: $0, logger: logger) })
    }

    @Sendable func performance(_ request: Request, context: APIRequestContext) async throws -> PerformanceView {
        PerformanceView(try await report(request, context, PerformanceReport.load))
    }

    @Sendable func billing(_ request: Request, context: APIRequestContext) async throws -> BillingView {
        BillingView(try await report(request, context, BillingReport.load))
    }

    /// Checks access and the period, then loads one report of the caller's workspace.
    private func report<Report: Sendable>(
        _ request: Request, _ context: APIRequestContext,
        _ load: @escaping @Sendable (UUID, AnalyticsPeriod, PostgresConnection, Logger) async throws -> Report
    ) async throws -> Report {
        let access = try await accessControl.admit(request, context, requiring: .analyticsRead)
        let period = try Self.period(Self.query(request))
        let logger = database.logger
        return try await database.read { try await load(access.workspaceID, period, $0, logger) }
    }

    /// The window and buckets the query names, or a 422 naming the parameter.
    static func period(_ query: [String: String], now: Date = Date()) throws -> AnalyticsPeriod {
        let zone: TimeZone
        if let name = query["tz"] {
            // Only tzdata names, which PostgreSQL's date_trunc knows too (Foundation also takes "GMT+5").
            guard zoneNames.contains(name), let named = TimeZone(identifier: name) else {
                throw APIError.validation(field: "tz", "must be an IANA time zone such as Europe/Berlin")
            }
            zone = named
        } else {
            zone = TimeZone(identifier: "UTC")!
        }
        let start: Date, end: Date
        if query["from"] != nil || query["to"] != nil {
            guard query["period"] == nil else { throw APIError.validation(field: "period", "give either period or from/to, not both") }
            guard let from = query["from"] else { throw APIError.validation(field: "from", "is required with to") }
            start = try Validation.timestamp(from, field: "from")
            end = try query["to"].map { try Validation.timestamp($0, field: "to") } ?? now
            guard start < end else { throw APIError.validation(field: "from", "must be before to") }
            guard end.timeIntervalSince(start) <= maxSpan else { throw APIError.validation(field: "from", "the window may span at most 732 days") }
        } else {
            let name = query["period"] ?? "30d"
            guard let span = presets[name] else {
                throw APIError.validation(field: "period",
                                          "must be one of \(presets.keys.sorted { presets[$0]! < presets[$1]! }.joined(separator: ", "))")
            }
            (start, end) = (now.addingTimeInterval(-span), now)
        }
        let interval: AnalyticsPeriod.Interval
        if let name = query["interval"] {
            guard let named = AnalyticsPeriod.Interval(rawValue: name) else {
                throw APIError.validation(field: "interval",
                                          "must be one of \(AnalyticsPeriod.Interval.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            interval = named
        } else {
            interval = AnalyticsPeriod.defaultInterval(from: start, to: end)
        }
        do {
            return try AnalyticsPeriod(start: start, end: end, interval: interval, timeZone: zone)
        } catch .tooManyBuckets {
            throw APIError.validation(field: "interval",
                                      "the series would have more than \(AnalyticsPeriod.maxBuckets) buckets; choose a coarser interval")
        } catch .emptyWindow {
            throw APIError.validation(field: "from", "must be before to")
        }
    }

    static func query(_ request: Request) -> [String: String] {
        Dictionary(request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { first, _ in first })
    }

    static func credits(_ millicredits: Int64) -> Double { Double(millicredits) / CreditRoutes.millicredits }

    /// A share rounded to four places, nil when there is nothing to divide.
    static func rate(_ part: Int, of whole: Int) -> Double? {
        whole > 0 ? (Double(part) / Double(whole) * 10_000).rounded() / 10_000 : nil
    }
}

extension AnalyticsRoutes {
    struct PeriodView: Encodable, Sendable {
        let from: Date
        let to: Date
        let interval: String
        let timeZone: String

        init(_ period: AnalyticsPeriod) {
            (from, to, interval, timeZone) = (period.start, period.end, period.interval.rawValue, period.timeZone.identifier)
        }
    }

    struct SummaryView: ResponseEncodable {
        struct Calls: Encodable, Sendable {
            let total, outbound, inbound, answered: Int
            let answerRate: Double?
            let seconds: Int64
            let averageSeconds: Double?
            let costCredits: Double
            let byStatus: [String: Int]
        }

        struct Jobs: Encodable, Sendable {
            let total: Int
            let byState: [String: Int]
        }

        struct Credits: Encodable, Sendable {
            let used, granted, refunded, adjusted, balance: Double
        }

        struct Files: Encodable, Sendable {
            let uploaded, failed: Int
        }

        struct Point: Encodable, Sendable {
            let start: Date
            let calls, answered, jobs: Int
            let seconds: Int64
            let creditsUsed: Double
        }

        let period: PeriodView
        let calls: Calls
        let jobs: Jobs
        let credits: Credits
        let emailsSent: Int
        let files: Files
        let transcribedSeconds: Double
        let series: [Point]

        init(_ summary: WorkspaceSummary) {
            let c = summary.calls
            period = PeriodView(summary.period)
            calls = Calls(total: c.total, outbound: c.outbound, inbound: c.inbound, answered: c.answered,
                          answerRate: AnalyticsRoutes.rate(c.answered, of: c.total), seconds: c.seconds,
                          averageSeconds: c.answered > 0 ? (Double(c.seconds) / Double(c.answered) * 10).rounded() / 10 : nil,
                          costCredits: AnalyticsRoutes.credits(c.cost), byStatus: c.byStatus)
            jobs = Jobs(total: summary.jobsByState.values.reduce(0, +), byState: summary.jobsByState)
            credits = Credits(used: AnalyticsRoutes.credits(-(summary.ledger["usage"] ?? 0)),
                              granted: AnalyticsRoutes.credits(summary.ledger["grant"] ?? 0),
                              refunded: AnalyticsRoutes.credits(summary.ledger["refund"] ?? 0),
                              adjusted: AnalyticsRoutes.credits(summary.ledger["adjustment"] ?? 0), balance: AnalyticsRoutes.credits(summary.balance))
            emailsSent = summary.emailsSent
            files = Files(uploaded: summary.filesUploaded, failed: summary.filesFailed)
            transcribedSeconds = summary.transcribedSeconds
            series = summary.series.map {
                Point(start: $0.start, calls: $0.calls, answered: $0.answered, jobs: $0.jobs, seconds: $0.seconds,
                      creditsUsed: AnalyticsRoutes.credits($0.creditsUsed))
            }
        }
    }

    struct RealtimeView: ResponseEncodable {
        struct LiveCall: Encodable, Sendable {
            let id: String
            let status, direction: String
            let assistantID: String?
            let createdAt: Date
            let answeredAt: Date?
        }

        struct Jobs: Encodable, Sendable {
            let ready, scheduled, running: Int
            let oldestReadySeconds: Double?
        }

        struct Recent: Encodable, Sendable {
            let callsStarted, callsEnded, jobsCompleted, jobsFailed: Int
        }

        struct Minute: Encodable, Sendable {
            let start: Date
            let callsStarted, jobsCompleted, jobsFailed: Int
        }

        let generatedAt: Date
        let liveCalls: Int
        let liveCallsByStatus: [String: Int]
        let calls: [LiveCall]
        let jobs: Jobs
        let lastFiveMinutes: Recent
        let lastHour: [Minute]
        let balance: Double

        init(_ snapshot: RealtimeSnapshot) {
            generatedAt = snapshot.generatedAt
            liveCalls = snapshot.liveCallsByStatus.values.reduce(0, +)
            liveCallsByStatus = snapshot.liveCallsByStatus
            calls = snapshot.liveCalls.map {
                LiveCall(id: $0.id.idString, status: $0.status, direction: $0.direction,
                         assistantID: $0.assistantID?.idString, createdAt: $0.createdAt,
                         answeredAt: $0.answeredAt)
            }
            jobs = Jobs(ready: snapshot.jobsReady, scheduled: snapshot.jobsScheduled, running: snapshot.jobsRunning,
                        oldestReadySeconds: snapshot.oldestReadySeconds.map { ($0 * 1000).rounded() / 1000 })
            lastFiveMinutes = Recent(callsStarted: snapshot.callsStartedLastFiveMinutes, callsEnded: snapshot.callsEndedLastFiveMinutes,
                                     jobsCompleted: snapshot.jobsCompletedLastFiveMinutes, jobsFailed: snapshot.jobsFailedLastFiveMinutes)
            lastHour = snapshot.lastHour.map { Minute(start: $0.start, callsStarted: $0.callsStarted, jobsCompleted: $0.jobsCompleted,
                                                      jobsFailed: $0.jobsFailed) }
            balance = AnalyticsRoutes.credits(snapshot.balance)
        }
    }

    struct PercentilesView: Encodable, Sendable {
        let average, p50, p90, p95: Double

        init(_ cuts: PerformanceReport.Percentiles) {
            func round(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
            (average, p50, p90, p95) = (round(cuts.average), round(cuts.p50), round(cuts.p90), round(cuts.p95))
        }
    }

    struct PerformanceView: ResponseEncodable {
        struct Calls: Encodable, Sendable {
            let total, answered, completed, unsuccessful: Int
            let answerRate, completionRate: Double?
            let durationSeconds, timeToAnswerSeconds: PercentilesView?
            let failureReasons: [Reason]
        }

        struct Reason: Encodable, Sendable {
            let reason: String
            let count: Int
        }

        struct Assistant: Encodable, Sendable {
            let id: String
            let name: String
            let calls, answered, completed: Int
            let answerRate: Double?
            let averageSeconds: Double?
            let conversations: Conversations?
        }

        struct Conversations: Encodable, Sendable {
            let conversations, turns, failedTurns, toolCalls: Int
            let turnsPerConversation: Double?
            let latencyMS: PercentilesView?
            let failureReasons: [Reason]

            init(_ figures: PerformanceReport.Conversations) {
                conversations = figures.conversations
                turns = figures.turns
                failedTurns = figures.failedTurns
                toolCalls = figures.toolCalls
                turnsPerConversation = figures.conversations > 0 ? (Double(figures.turns) / Double(figures.conversations) * 100).rounded() / 100 : nil
                latencyMS = figures.latency.map(PercentilesView.init)
                failureReasons = figures.failureReasons.map { Reason(reason: $0.reason, count: $0.count) }
            }
        }

        struct Kind: Encodable, Sendable {
            let kind: String
            let total, completed, discarded, cancelled, pending: Int
            let successRate: Double?
            let averageAttempts: Double
            let runSeconds, waitSeconds: PercentilesView?
        }

        let period: PeriodView
        let calls: Calls
        let assistants: [Assistant]
        let jobs: [Kind]

        init(_ report: PerformanceReport) {
            let c = report.calls
            period = PeriodView(report.period)
            calls = Calls(total: c.total, answered: c.answered, completed: c.completed, unsuccessful: c.unsuccessful,
                          answerRate: AnalyticsRoutes.rate(c.answered, of: c.total), completionRate: AnalyticsRoutes.rate(c.completed, of: c.total),
                          durationSeconds: c.duration.map(PercentilesView.init), timeToAnswerSeconds: c.timeToAnswer.map(PercentilesView.init),
                          failureReasons: c.failureReasons.map { Reason(reason: $0.reason, count: $0.count) })
            assistants = report.assistants.map {
                Assistant(id: $0.id.idString, name: $0.name, calls: $0.calls, answered: $0.answered, completed: $0.completed,
                          answerRate: AnalyticsRoutes.rate($0.answered, of: $0.calls),
                          averageSeconds: $0.averageSeconds.map { ($0 * 10).rounded() / 10 },
                          conversations: $0.conversations.map(Conversations.init))
            }
            jobs = report.kinds.map {
                let finished = $0.completed + $0.discarded
                return Kind(kind: $0.kind, total: $0.total, completed: $0.completed, discarded: $0.discarded, cancelled: $0.cancelled,
                            pending: $0.pending, successRate: AnalyticsRoutes.rate($0.completed, of: finished),
                            averageAttempts: ($0.averageAttempts * 100).rounded() / 100,
                            runSeconds: $0.runSeconds.map(PercentilesView.init), waitSeconds: $0.waitSeconds.map(PercentilesView.init))
            }
        }
    }

    struct BillingView: ResponseEncodable {
        struct Point: Encodable, Sendable {
            let start: Date
            let granted, used, other, closingBalance: Double
        }

        let period: PeriodView
        let openingBalance, closingBalance: Double
        let granted, used, refunded, adjusted: Double
        let usageByCategory: [String: Double]
        let balance, allowance: Double
        let dailyUsage: Double
        let daysLeft: Double?
        let series: [Point]

        init(_ report: BillingReport) {
            period = PeriodView(report.period)
            openingBalance = AnalyticsRoutes.credits(report.openingBalance)
            closingBalance = AnalyticsRoutes.credits(report.closingBalance)
            granted = AnalyticsRoutes.credits(report.granted)
            used = AnalyticsRoutes.credits(report.used)
            refunded = AnalyticsRoutes.credits(report.refunded)
            adjusted = AnalyticsRoutes.credits(report.adjusted)
            usageByCategory = report.usageByCategory.mapValues(AnalyticsRoutes.credits)
            balance = AnalyticsRoutes.credits(report.balance)
            allowance = AnalyticsRoutes.credits(report.allowance)
            dailyUsage = (report.dailyUsage).rounded() / CreditRoutes.millicredits
            daysLeft = report.daysLeft.map { ($0 * 10).rounded() / 10 }
            series = report.series.map {
                Point(start: $0.start, granted: AnalyticsRoutes.credits($0.granted), used: AnalyticsRoutes.credits($0.used),
                      other: AnalyticsRoutes.credits($0.other), closingBalance: AnalyticsRoutes.credits($0.closingBalance))
            }
        }
    }
}
