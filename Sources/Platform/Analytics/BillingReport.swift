import Foundation
import Logging
import PostgresNIO

/// `GET /api/analytics/billing`: the credit ledger over a period — balance at its start and end,
/// grants, usage, refunds and adjustments, usage by what it paid for (calls, transcripts, …), a
/// series per bucket, and how many days the balance lasts at the period's rate of use. Amounts are
/// millicredits, summed exactly.
public struct BillingReport: Sendable {
    public struct Point: Sendable, Equatable {
        public let start: Date
        public var granted: Int64 = 0
        /// Spent, as a positive amount.
        public var used: Int64 = 0
        /// Refunds and adjustments, signed.
        public var other: Int64 = 0
        /// The balance after the bucket's last entry (carried over from earlier buckets).
        public var closingBalance: Int64 = 0
    }

    public let period: AnalyticsPeriod
    public var openingBalance: Int64 = 0
    public var closingBalance: Int64 = 0
    public var granted: Int64 = 0
    public var used: Int64 = 0
    public var refunded: Int64 = 0
    public var adjusted: Int64 = 0
    /// Usage by the kind of thing charged: the prefix of the ledger reference (`call`, `transcript`),
    /// `other` when an entry has none.
    public var usageByCategory: [String: Int64] = [:]
    public var balance: Int64 = 0
    public var allowance: Int64 = 0
    public var series: [Point]

    /// Average usage per day over the period (millicredits).
    public var dailyUsage: Double {
        let days = period.end.timeIntervalSince(period.start) / 86_400
        return days > 0 ? Double(used) / days : 0
    }

    /// Days until the current balance runs out at `dailyUsage`; nil when nothing was used.
    public var daysLeft: Double? {
        guard dailyUsage > 0 else { return nil }
        return max(Double(balance), 0) / dailyUsage
    }

    public static func load(workspaceID: UUID, period: AnalyticsPeriod, on connection: PostgresConnection,
                            logger: Logger) async throws -> BillingReport {
        let (start, end) = (period.start, period.end)
        let starts = period.bucketStarts
        var report = BillingReport(period: period, series: starts.map { Point(start: $0) })

        let balances = try await connection.query("""
            SELECT coalesce((SELECT balance_after FROM credit_ledger WHERE workspace_id = \(workspaceID) AND created_at < \(start)
                             ORDER BY id DESC LIMIT 1), 0)::bigint,
                   coalesce((SELECT balance_after FROM credit_ledger WHERE workspace_id = \(workspaceID) AND created_at < \(end)
                             ORDER BY id DESC LIMIT 1), 0)::bigint,
                   coalesce((SELECT balance FROM workspace_credits WHERE workspace_id = \(workspaceID)), 0)::bigint,
                   coalesce((SELECT allowance FROM workspace_credits WHERE workspace_id = \(workspaceID)), 0)::bigint
            """, logger: logger)
        for try await (opening, closing, balance, allowance) in balances.decode((Int64, Int64, Int64, Int64).self) {
            report.openingBalance = opening
            report.closingBalance = closing
            report.balance = balance
            report.allowance = allowance
        }

        let unit = period.interval.rawValue, zone = period.zoneName
        let entries = try await connection.query("""
            SELECT date_trunc(\(unit), created_at, \(zone)), kind,
                   CASE WHEN kind = 'usage' THEN coalesce(nullif(split_part(reference, ':', 1), ''), 'other') ELSE '' END,
                   sum(amount)::bigint
            FROM credit_ledger WHERE workspace_id = \(workspaceID) AND created_at >= \(start) AND created_at < \(end)
            GROUP BY 1, 2, 3 ORDER BY 1
            """, logger: logger)
        for try await (bucket, kind, category, amount) in entries.decode((Date, String, String, Int64).self) {
            let index = period.bucketIndex(of: bucket, in: starts)
            switch kind {
            case "grant":
                report.granted += amount
                if let index { report.series[index].granted += amount }
            case "usage":
                report.used -= amount
                report.usageByCategory[category, default: 0] -= amount
                if let index { report.series[index].used -= amount }
            case "refund":
                report.refunded += amount
                if let index { report.series[index].other += amount }
            default:
                report.adjusted += amount
                if let index { report.series[index].other += amount }
            }
        }
        // Each bucket's closing balance: its own last entry (ledger order is id order), else the one before it.
        var lastBalance: [Int: Int64] = [:]
        let closings = try await connection.query("""
            SELECT DISTINCT ON (1) date_trunc(\(unit), created_at, \(zone)), balance_after
            FROM credit_ledger WHERE workspace_id = \(workspaceID) AND created_at >= \(start) AND created_at < \(end)
            ORDER BY 1, id DESC
            """, logger: logger)
        for try await (bucket, balance) in closings.decode((Date, Int64).self) {
            if let index = period.bucketIndex(of: bucket, in: starts) { lastBalance[index] = balance }
        }
        var running = report.openingBalance
        for index in report.series.indices {
            if let balance = lastBalance[index] { running = balance }
            report.series[index].closingBalance = running
        }
        return report
    }
}
