import Foundation
import PostgresNIO

extension JobStore {
    /// Claims up to `limit` ready jobs of `queue` that have no concurrency key, in one round trip.
    ///
    /// The MATERIALIZED CTE of `ClaimJobsStatement` locks the chosen rows with SKIP LOCKED over the
    /// `queue_jobs_ready` partial index (its WHERE matches the index predicate), so concurrent
    /// claimers never block each other and never get the same job.
    public func claim(queue: String, limit: Int, workerID: String, lease: Duration) async throws -> [ClaimedJob] {
        guard limit > 0 else { return [] }
        let statement = ClaimJobsStatement(queue: queue, limit: limit, workerID: workerID, leaseSeconds: lease.seconds)
        return try await onConnection { [logger] connection in
            var jobs: [ClaimedJob] = []
            for try await job in try await connection.execute(statement, logger: logger) { jobs.append(job) }
            return jobs
        }
    }

    /// Claims up to `limit` ready jobs of `queue` that carry a concurrency key, never letting more than
    /// a key's limit run at once across all workers.
    ///
    /// Claimers of the same keys serialize on transaction-level advisory locks (taken in key order, so
    /// they cannot deadlock); counting the running jobs after taking the locks sees every earlier
    /// claim of those keys. Only claims of limited jobs pay for this; the fast path never does.
    public func claimLimited(queue: String, limit: Int, workerID: String, lease: Duration) async throws -> [ClaimedJob] {
        guard limit > 0 else { return [] }
        let leaseSeconds = lease.seconds
        return try await onConnection { [logger] connection in
            // The keys with ready jobs, read before the transaction: most queues have none, and then
            // this one round trip is the whole claim. The locked claim below checks every row again.
            var keys: [String] = []
            let keyRows = try await connection.query("""
                SELECT DISTINCT concurrency_key FROM queue_jobs
                WHERE state = 'available' AND concurrency_key IS NOT NULL
                  AND queue = \(queue) AND run_at <= now()
                  AND NOT EXISTS (SELECT 1 FROM queue_paused WHERE queue_paused.queue = \(queue))
                LIMIT 64
                """, logger: logger)
            for try await key in keyRows.decode(String.self) { keys.append(key) }
            guard !keys.isEmpty else { return [] }
            keys.sort()
            return try await connection.transaction(logger: logger) { [keys] connection in
                try await connection.query("""
                    SELECT pg_advisory_xact_lock(\(Self.concurrencyLockSpace), hashtext(k))
                    FROM unnest(\(keys)::text[]) AS k ORDER BY hashtext(k)
                    """, logger: logger)
                let rows = try await connection.query("""
                    WITH running AS (
                        SELECT concurrency_key AS key, count(*) AS n FROM queue_jobs
                        WHERE state = 'running' AND concurrency_key = ANY(\(keys)::text[])
                        GROUP BY concurrency_key
                    ), ranked AS (
                        SELECT c.id, c.priority, c.run_at, c.concurrency_limit, k.key,
                               row_number() OVER (PARTITION BY k.key ORDER BY c.priority, c.run_at, c.id) AS rank
                        FROM unnest(\(keys)::text[]) AS k(key)
                        CROSS JOIN LATERAL (
                            SELECT id, priority, run_at, concurrency_limit FROM queue_jobs
                            WHERE state = 'available' AND concurrency_key IS NOT NULL AND queue = \(queue)
                              AND concurrency_key = k.key AND run_at <= now()
                            ORDER BY priority, run_at, id
                            LIMIT \(limit)
                        ) c
                    ), picked AS MATERIALIZED (
                        SELECT r.id FROM ranked r LEFT JOIN running ON running.key = r.key
                        WHERE r.rank + COALESCE(running.n, 0) <= r.concurrency_limit
                        ORDER BY r.priority, r.run_at, r.id
                        LIMIT \(limit)
                    )
                    UPDATE queue_jobs j
                    SET state = 'running', attempt = j.attempt + 1, lease_token = j.lease_token + 1,
                        attempted_at = now(), lease_expires_at = now() + \(leaseSeconds) * interval '1 second',
                        worker_id = \(workerID)
                    FROM picked
                    WHERE j.id = picked.id AND j.state = 'available'
                    RETURNING \(unescaped: Self.claimedColumns)
                    """, logger: logger)
                var jobs: [ClaimedJob] = []
                for try await row in rows { jobs.append(try Self.decodeClaimed(row)) }
                return jobs
            }
        }
    }

    /// The first key of the two-key advisory locks that guard concurrency-limited claims.
    static let concurrencyLockSpace: Int32 = 0x5150_4C31
}
