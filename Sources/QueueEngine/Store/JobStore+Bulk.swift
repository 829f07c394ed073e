import Foundation
import PostgresNIO

/// What a bulk cancel or retry changed.
public struct BulkOutcome: Sendable, Equatable {
    /// Jobs changed: cancelled or flagged to stop, or made available again.
    public var count = 0
    /// Running jobs flagged to stop (their workers are told).
    public var running: [Int64] = []
    /// Queues that gained available jobs (their workers are woken).
    public var queues: Set<String> = []
    /// True when the matching jobs went past the limit: the caller repeats the call for the rest.
    public var more = false
}

/// Operators' bulk actions: cancel or retry every job a `JobFilter` matches, across workspaces and
/// queues unless the filter names them. The matching ids are read page by page with the job
/// browser's own query (`matching`), so what a bulk action touches is exactly what the browser shows.
extension JobStore {
    /// The most jobs one bulk call changes; operators repeat the call for more.
    public static let bulkLimit = 10_000

    /// Cancels the queued and running jobs `filter` matches (its state, when set, must be available
    /// or running): queued ones at once, running ones by flagging them — once: a running job already
    /// told to stop is not counted or told again, so repeating the call while `more` ends.
    public func cancelMatching(_ filter: JobFilter, limit: Int = bulkLimit) async throws -> BulkOutcome {
        var outcome = BulkOutcome()
        for state in try Self.states(filter.state, allowed: [.available, .running]) {
            let (changed, more) = try await forEachPage(of: filter, state: state, limit: limit - outcome.count) { ids in
                let rows = try await client.query("""
                    UPDATE queue_jobs
                    SET state = (CASE WHEN state = 'available' THEN 'cancelled' ELSE state END)::queue_job_state,
                        finished_at = CASE WHEN state = 'available' THEN now() ELSE finished_at END,
                        cancel_requested_at = now()
                    WHERE id = ANY(\(ids)) AND (state = 'available' OR (state = 'running' AND cancel_requested_at IS NULL))
                    RETURNING id, state::text
                    """, logger: logger)
                var changed = 0
                for try await (id, state) in rows.decode((Int64, String).self) {
                    changed += 1
                    if state == JobState.running.rawValue { outcome.running.append(id) }
                }
                return changed
            }
            outcome.count += changed
            outcome.more = outcome.more || more
        }
        return outcome
    }

    /// Makes the discarded and cancelled jobs `filter` matches available again now (its state, when
    /// set, must be discarded or cancelled), each with at least one attempt left. A job whose unique
    /// key a queued or running job holds stays as it is, and of several sharing a key only one (the
    /// newest of its page) becomes available.
    public func retryMatching(_ filter: JobFilter, limit: Int = bulkLimit) async throws -> BulkOutcome {
        var outcome = BulkOutcome()
        for state in try Self.states(filter.state, allowed: [.discarded, .cancelled]) {
            let (changed, more) = try await forEachPage(of: filter, state: state, limit: limit - outcome.count) { ids in
                do {
                    let rows = try await client.query("""
                        UPDATE queue_jobs j
                        SET state = 'available', run_at = now(), finished_at = NULL, cancel_requested_at = NULL,
                            lease_expires_at = NULL, max_attempts = GREATEST(max_attempts, attempt + 1)
                        WHERE j.id IN (
                            SELECT DISTINCT ON (COALESCE(d.unique_key, d.id::text)) d.id FROM queue_jobs d
                            WHERE d.id = ANY(\(ids)) AND d.state IN ('discarded', 'cancelled')
                              AND (d.unique_key IS NULL OR NOT EXISTS (
                                  SELECT 1 FROM queue_jobs a WHERE a.unique_key = d.unique_key AND a.state IN ('available', 'running')))
                            ORDER BY COALESCE(d.unique_key, d.id::text), d.id DESC)
                        RETURNING queue
                        """, logger: logger)
                    var changed = 0
                    for try await queue in rows.decode(String.self) {
                        changed += 1
                        outcome.queues.insert(queue)
                    }
                    return changed
                } catch let error as PSQLError where error.isUniqueViolation {
                    // A job with the same unique key was enqueued between the check and the update.
                    throw QueueError(.uniqueConflict, "a job to retry shares its unique key with one enqueued just now; "
                                     + "\(outcome.count) were retried before it, call again")
                }
            }
            outcome.count += changed
            outcome.more = outcome.more || more
        }
        return outcome
    }

    static func states(_ asked: JobState?, allowed: [JobState]) throws -> [JobState] {
        guard let asked else { return allowed }
        guard allowed.contains(asked) else {
            let names = allowed.map(\.rawValue).joined(separator: " or ")
            throw QueueError(.invalidState, "only \(names) jobs can be chosen here, not \(asked.rawValue)")
        }
        return [asked]
    }

    /// Reads the ids `filter` matches in `state`, newest first, a page at a time, and hands each page
    /// to `change`, until none are left or `limit` jobs were changed; answers how many changed and
    /// whether matching jobs are left beyond the limit.
    private func forEachPage(of filter: JobFilter, state: JobState, limit: Int,
                             _ change: ([Int64]) async throws -> Int) async throws -> (changed: Int, more: Bool) {
        var page = filter
        page.state = state
        page.beforeID = nil
        var changed = 0
        while changed < limit {
            page.limit = min(1_000, limit - changed)
            let ids = try await ids(matching: page)
            guard let last = ids.last else { return (changed, false) }
            changed += try await change(ids)
            page.beforeID = last
        }
        page.limit = 1
        return (changed, try await !ids(matching: page).isEmpty)
    }
}
