import PostgresNIO

/// Withdrawing jobs that have not started, for the platform's erasure of a person: the jobs that
/// would still act on their data (an email to their address) end `cancelled` instead of running.
public enum WaitingJobCancellation {
    /// One batch: cancels at most `limit` waiting jobs of `kind` whose argument at `path` (keys into
    /// the args object) equals `value` ignoring case; the statement's row count says how many.
    public static func statement(kind: String, argumentAt path: [String], equalsIgnoringCase value: String, limit: Int) -> PostgresQuery {
        """
        UPDATE queue_jobs SET state = 'cancelled', finished_at = now()
        WHERE id IN (SELECT id FROM queue_jobs WHERE state = 'available' AND kind = \(kind)
                     AND lower(args #>> \(path)) = lower(\(value)) LIMIT \(limit))
        """
    }
}
