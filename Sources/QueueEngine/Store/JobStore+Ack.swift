import Foundation
import PostgresNIO

extension JobStore {
    /// Records many attempt endings of worker `workerID` in one statement. Only rows still `running`
    /// under the same lease token and claimed by that worker change (see `ClaimJobsStatement` for why
    /// the worker too); the ids of the completions that were rejected as stale are returned.
    ///
    /// A cancel requested while the attempt ran turns any non-final ending into `cancelled`.
    @discardableResult
    public func acknowledge(_ completions: [Completion], workerID: String) async throws -> [Int64] {
        guard !completions.isEmpty else { return [] }
        let accepted = if let plain = CompleteJobsStatement(completions, workerID: workerID) {
            try await changedIDs(plain)
        } else {
            try await changedIDs(AcknowledgeJobsStatement(bindings: AcknowledgeJobsStatement.bindings(for: completions, workerID: workerID)))
        }
        return completions.map(\.jobID).filter { !accepted.contains($0) }
    }

    /// The ids an ack statement answers: the jobs whose ending it recorded.
    private func changedIDs<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> Set<Int64>
    where Statement.Row == Int64 {
        try await onConnection { [logger] connection in
            var changed = Set<Int64>()
            for try await id in try await connection.execute(statement, logger: logger) { changed.insert(id) }
            return changed
        }
    }

    /// Extends the leases of worker `workerID`'s running jobs in one statement. Returns, per job still
    /// held, whether a cancel was requested; a job missing from the answer lost its lease.
    public func heartbeat(_ jobs: [(id: Int64, leaseToken: Int32)], lease: Duration, workerID: String) async throws -> [Int64: Bool] {
        guard !jobs.isEmpty else { return [:] }
        let ids = jobs.map(\.id)
        let tokens = jobs.map(\.leaseToken)
        let leaseSeconds = lease.seconds
        return try await onConnection { [logger] connection in
            let rows = try await connection.query("""
                UPDATE queue_jobs j
                SET lease_expires_at = now() + \(leaseSeconds) * interval '1 second'
                FROM unnest(\(ids)::bigint[], \(tokens)::int[]) AS u(id, token)
                -- By primary key, not over every running job (see AcknowledgeJobsStatement).
                WHERE j.id = u.id AND j.lease_token = u.token AND j.state::text = 'running' AND j.worker_id = \(workerID)
                RETURNING j.id, j.cancel_requested_at IS NOT NULL
                """, logger: logger)
            var held: [Int64: Bool] = [:]
            for try await (id, cancel) in rows.decode((Int64, Bool).self) { held[id] = cancel }
            return held
        }
    }

    /// Stores a running attempt's progress; ignored when the lease is no longer held.
    public func reportProgress(jobID: Int64, leaseToken: Int32, workerID: String, percent: Int, message: String?) async throws {
        let percent16 = Int16(min(max(percent, 0), 100))
        try await onConnection { [logger] connection in
            let rows = try await connection.query("""
                UPDATE queue_jobs SET progress = \(percent16), progress_message = \(message)
                WHERE id = \(jobID) AND lease_token = \(leaseToken) AND worker_id = \(workerID) AND state = 'running'
                """, logger: logger)
            for try await _ in rows {}
        }
    }
}
