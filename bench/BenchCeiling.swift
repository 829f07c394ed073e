import Foundation
import PostgresNIO
import QueueEngine

/// What this machine's PostgreSQL does with no engine around it, measured in the same run as the
/// engine so that a slow day shows in both: one-row inserts from one and from 16 connections (each
/// its own commit, like pgbench), a bare unnest insert, bare claim+ack loops over pooled connections
/// (the reference point) and the same loops through the engine's store (its SQL, no
/// runtime). The gap between these rows and the engine's rows is what the engine costs.
extension BenchSuite {
    static let ceilingConnections = 4

    func ceiling() async throws -> [BenchResult] {
        let single = try await bareSingleInserts("\(runID)-ceil-one", connections: 1, count: options.sequentialEnqueues)
        let concurrent = try await bareSingleInserts("\(runID)-ceil-16", connections: 16, count: options.concurrentEnqueues)
        let insert = try await bareInsert("\(runID)-ceil-insert")
        let bare = try await bareClaimAck("\(runID)-ceil-bare", deleting: false)
        let bareDelete = try await bareClaimAck("\(runID)-ceil-bare-delete", deleting: true)
        // The engine's statements, decoding and pool, without handler tasks, leases or batching.
        let store = try await storeClaimAck("\(runID)-ceil-store", total: options.burnDownJobs, loops: Self.ceilingConnections)
        let storeDelete = try await storeClaimAck("\(runID)-ceil-store-delete", total: options.burnDownJobs, loops: Self.ceilingConnections,
                                                  deleting: true)
        return [
            BenchResult(name: BenchRatios.bareSingle, value: single, unit: "jobs/s", target: nil, higherIsBetter: true),
            BenchResult(name: BenchRatios.bareConcurrent, value: concurrent, unit: "jobs/s", target: nil, higherIsBetter: true),
            BenchResult(name: BenchRatios.bareInsert, value: insert, unit: "jobs/s", target: nil, higherIsBetter: true),
            BenchResult(name: BenchRatios.bareClaimAck, value: bare, unit: "jobs/s", target: nil, higherIsBetter: true),
            BenchResult(name: BenchRatios.bareClaimDelete, value: bareDelete, unit: "jobs/s", target: nil, higherIsBetter: true),
            BenchResult(name: BenchRatios.storeClaimAck, value: store, unit: "jobs/s", target: nil, higherIsBetter: true),
            BenchResult(name: BenchRatios.storeClaimDelete, value: storeDelete, unit: "jobs/s", target: nil, higherIsBetter: true),
        ]
    }

    /// Each connection claims 100 rows with SKIP LOCKED and marks them completed (or deletes them),
    /// one statement each. Claims commit asynchronously and acks synchronously, as the engine's do.
    private func bareClaimAck(_ name: String, deleting: Bool) async throws -> Double {
        let total = options.burnDownJobs
        try await fill(name, total)
        let elapsed = try await ContinuousClock().measure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<Self.ceilingConnections {
                    group.addTask { [client, logger] in
                        try await client.withConnection { connection in
                            while true {
                                var ids: [Int64] = []
                                let rows = try await connection.query("""
                                    WITH picked AS MATERIALIZED (
                                        SELECT id FROM queue_jobs
                                        WHERE state = 'available' AND concurrency_key IS NULL AND queue = \(name) AND run_at <= now()
                                          AND (SELECT set_config('synchronous_commit', 'off', true)) = 'off'
                                        ORDER BY priority, run_at, id LIMIT \(Self.claimRound) FOR UPDATE SKIP LOCKED)
                                    UPDATE queue_jobs j SET state = 'running', attempt = j.attempt + 1
                                    FROM picked WHERE j.id = picked.id RETURNING j.id
                                    """, logger: logger)
                                for try await id in rows.decode(Int64.self) { ids.append(id) }
                                if ids.isEmpty { return }
                                if deleting {
                                    try await connection.query("DELETE FROM queue_jobs WHERE id = ANY(\(ids)::bigint[])", logger: logger)
                                } else {
                                    try await connection.query("""
                                        UPDATE queue_jobs SET state = 'completed', finished_at = now()
                                        WHERE id = ANY(\(ids)::bigint[])
                                        """, logger: logger)
                                }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        return rate(total, elapsed)
    }

    /// `INSERT … VALUES` of one default job per statement, each its own commit, on `connections`
    /// connections at once.
    private func bareSingleInserts(_ name: String, connections: Int, count: Int) async throws -> Double {
        let perConnection = count / connections
        let elapsed = try await ContinuousClock().measure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<connections {
                    group.addTask { [client, logger] in
                        try await client.withConnection { connection in
                            for _ in 0..<perConnection {
                                try await connection.query("""
                                    INSERT INTO queue_jobs (kind, queue, args, max_attempts) VALUES ('bench.noop', \(name), '{}', 25)
                                    """, logger: logger)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        return rate(perConnection * connections, elapsed)
    }

    /// Plain `INSERT … SELECT FROM unnest` of 10,000 rows with only the columns a default job sets.
    private func bareInsert(_ name: String) async throws -> Double {
        let batches = options.batchJobs / 10_000
        let args = Array(repeating: "{}", count: 10_000)
        let elapsed = try await ContinuousClock().measure {
            for _ in 0..<batches {
                try await client.query("""
                    INSERT INTO queue_jobs (kind, queue, args, max_attempts)
                    SELECT 'bench.noop', \(name), a::jsonb, 25 FROM unnest(\(args)::text[]) AS a
                    """, logger: logger)
            }
        }
        return rate(batches * 10_000, elapsed)
    }
}
