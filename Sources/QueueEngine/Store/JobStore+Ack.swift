import Foundation
import PostgresNIO

extension JobStore {
    /// Records many attempt endings in one statement. Only rows still `running` under the same lease
    /// token change; the ids of the completions that were rejected as stale are returned.
    ///
    /// A cancel requested while the attempt ran turns any non-final ending into `cancelled`.
    @discardableResult
    public func acknowledge(_ completions: [Completion]) async throws -> [Int64] {
        guard !completions.isEmpty else { return [] }
        var ids: [Int64] = [], tokens: [Int32] = [], states: [String] = [], delays: [Double] = []
        var refunds: [Int] = [], results: [String] = [], errors: [String] = []
        ids.reserveCapacity(completions.count)
        for completion in completions {
            ids.append(completion.jobID)
            tokens.append(completion.leaseToken)
            var state = "available", delay = 0.0, refund = 0, result = "", error = ""
            switch completion.result {
            case .completed(let json): state = "completed"; result = json ?? ""
            case .retry(let wait, let message): delay = wait.seconds; error = message
            case .snooze(let wait): delay = wait.seconds; refund = 1
            case .discarded(let message): state = "discarded"; error = message
            case .cancelled(let reason): state = "cancelled"; error = reason
            case .released: refund = 1
            }
            states.append(state)
            delays.append(delay)
            refunds.append(refund)
            results.append(result)
            errors.append(error)
        }
        return try await bounded { [client, logger, ids, tokens, states, delays, refunds, results, errors] in
            let rows = try await client.query("""
                UPDATE queue_jobs j
                SET state = (CASE WHEN j.cancel_requested_at IS NOT NULL AND u.state = 'available'
                                  THEN 'cancelled' ELSE u.state END)::queue_job_state,
                    attempt = j.attempt - u.refund,
                    run_at = CASE WHEN u.state = 'available' THEN now() + u.delay * interval '1 second' ELSE j.run_at END,
                    finished_at = CASE WHEN u.state = 'available' AND j.cancel_requested_at IS NULL THEN NULL ELSE now() END,
                    lease_expires_at = NULL,
                    result = NULLIF(u.result, '')::jsonb,
                    errors = CASE WHEN u.error = '' THEN j.errors
                                  ELSE j.errors || jsonb_build_array(jsonb_build_object(
                                      'attempt', j.attempt, 'at', now(), 'error', u.error)) END
                FROM unnest(\(ids)::bigint[], \(tokens)::int[], \(states)::text[], \(delays)::float8[],
                            \(refunds)::int[], \(results)::text[], \(errors)::text[])
                     AS u(id, token, state, delay, refund, result, error)
                WHERE j.id = u.id AND j.lease_token = u.token AND j.state = 'running'
                RETURNING j.id
                """, logger: logger)
            var accepted = Set<Int64>()
            for try await id in rows.decode(Int64.self) { accepted.insert(id) }
            return ids.filter { !accepted.contains($0) }
        }
    }

    /// Extends the leases of running jobs in one statement. Returns, per job still held, whether a
    /// cancel was requested; a job missing from the answer lost its lease.
    public func heartbeat(_ jobs: [(id: Int64, leaseToken: Int32)], lease: Duration) async throws -> [Int64: Bool] {
        guard !jobs.isEmpty else { return [:] }
        let ids = jobs.map(\.id)
        let tokens = jobs.map(\.leaseToken)
        let leaseSeconds = lease.seconds
        return try await bounded { [client, logger] in
            let rows = try await client.query("""
                UPDATE queue_jobs j
                SET lease_expires_at = now() + \(leaseSeconds) * interval '1 second'
                FROM unnest(\(ids)::bigint[], \(tokens)::int[]) AS u(id, token)
                WHERE j.id = u.id AND j.lease_token = u.token AND j.state = 'running'
                RETURNING j.id, j.cancel_requested_at IS NOT NULL
                """, logger: logger)
            var held: [Int64: Bool] = [:]
            for try await (id, cancel) in rows.decode((Int64, Bool).self) { held[id] = cancel }
            return held
        }
    }

    /// Stores a running attempt's progress; ignored when the lease is no longer held.
    public func reportProgress(jobID: Int64, leaseToken: Int32, percent: Int, message: String?) async throws {
        let percent16 = Int16(min(max(percent, 0), 100))
        try await bounded { [client, logger] in
            try await client.query("""
                UPDATE queue_jobs SET progress = \(percent16), progress_message = \(message)
                WHERE id = \(jobID) AND lease_token = \(leaseToken) AND state = 'running'
                """, logger: logger)
        }
    }
}
