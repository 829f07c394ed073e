import Foundation

/// Every engine row beside its same-run ceiling: machines differ by 2–4× from day to day, so the
/// goals are ratios (or, for the wake-up, a margin over the enqueue call measured in the same run).
enum BenchRatios {
    static let sequential = "enqueue one-by-one, 1 client"
    static let concurrent = "enqueue one-by-one, 16 clients"
    static let batch = "batch enqueue (10k per call)"
    static let burnDown = "burn-down of no-op jobs (1 worker)"
    static let burnDownDeleting = "burn-down of no-op jobs, rows deleted (1 worker)"
    static let httpEnqueue = "HTTP enqueue, \(BenchSuite.httpConnections) connections"
    static let health = "GET /health/live, \(BenchSuite.httpConnections) connections (same server)"
    static let inProcessEnqueue = "enqueue one-by-one, \(BenchSuite.httpConnections) in-process callers"
    static let wakeupP50 = "wake-up latency p50"
    static let wakeupP99 = "wake-up latency p99"
    static let enqueueCallP50 = "wake-up: enqueue call p50"
    static let bareSingle = "ceiling: bare one-row insert, 1 conn"
    static let bareConcurrent = "ceiling: bare one-row insert, 16 conns"
    static let bareInsert = "ceiling: bare unnest insert (10k)"
    static let bareClaimAck = "ceiling: bare claim+ack, 4 conns"
    static let bareClaimDelete = "ceiling: bare claim+delete, 4 conns"
    static let storeClaimAck = "ceiling: store claim+ack, 4 conns"
    static let storeClaimDelete = "ceiling: store claim+ack, rows deleted, 4 conns"

    struct Comparison {
        enum Measure { case ratio, difference }
        let row: String
        let ceiling: String
        let measure: Measure
        /// At least this ratio, or at most this difference; nil: shown, no goal.
        let goal: Double?
    }

    static let comparisons = [
        Comparison(row: burnDown, ceiling: bareClaimAck, measure: .ratio, goal: 0.95),
        Comparison(row: burnDownDeleting, ceiling: bareClaimDelete, measure: .ratio, goal: 0.95),
        Comparison(row: burnDownDeleting, ceiling: burnDown, measure: .ratio, goal: nil),
        Comparison(row: storeClaimAck, ceiling: bareClaimAck, measure: .ratio, goal: nil),
        Comparison(row: storeClaimDelete, ceiling: bareClaimDelete, measure: .ratio, goal: nil),
        Comparison(row: sequential, ceiling: bareSingle, measure: .ratio, goal: 0.95),
        Comparison(row: concurrent, ceiling: bareConcurrent, measure: .ratio, goal: 2.5),
        Comparison(row: batch, ceiling: bareInsert, measure: .ratio, goal: 0.9),
        Comparison(row: httpEnqueue, ceiling: health, measure: .ratio, goal: 0.5),
        // What the route adds to the engine's own enqueue, and how far the engine alone is from the
        // health check: an HTTP enqueue cannot outrun the commits behind it.
        Comparison(row: httpEnqueue, ceiling: inProcessEnqueue, measure: .ratio, goal: nil),
        Comparison(row: inProcessEnqueue, ceiling: health, measure: .ratio, goal: nil),
        Comparison(row: wakeupP50, ceiling: enqueueCallP50, measure: .difference, goal: 1.0),
        Comparison(row: wakeupP99, ceiling: wakeupP50, measure: .ratio, goal: nil),
    ]

    /// The comparisons whose two rows were both measured in this run, as table rows.
    static func table(_ results: [BenchResult]) -> [[String]] {
        let values = Dictionary(results.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        return comparisons.compactMap { comparison in
            guard let value = values[comparison.row], let ceiling = values[comparison.ceiling], ceiling > 0 else { return nil }
            let figures = "\(BenchReport.format(value)) vs \(BenchReport.format(ceiling))"
            switch comparison.measure {
            case .ratio:
                let ratio = value / ceiling
                let verdict = comparison.goal.map { ratio >= $0 ? "≥ \($0) met" : "≥ \($0) missed" } ?? ""
                return [comparison.row, comparison.ceiling, figures, String(format: "%.2f", ratio), verdict]
            case .difference:
                let difference = value - ceiling
                let verdict = comparison.goal.map { difference <= $0 ? "≤ +\($0) met" : "≤ +\($0) missed" } ?? ""
                return [comparison.row, comparison.ceiling, figures, String(format: "%+.2f", difference), verdict]
            }
        }
    }
}
