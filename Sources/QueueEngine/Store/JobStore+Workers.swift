import Foundation
import PostgresNIO

/// A worker as it last announced itself.
public struct WorkerPresence: Sendable, Codable, Equatable {
    public let id: String
    public let host: String
    public let pid: Int
    /// Slots per queue.
    public let queues: [String: Int]
    public let running: Int
    public let startedAt: Date
    public let lastSeenAt: Date
}

extension JobStore {
    /// Records that a worker is alive (and drops rows of workers gone for an hour, which died
    /// without removing their own).
    public func announce(workerID: String, host: String, pid: Int, queues: [String: Int], running: Int) async throws {
        let queuesJSON = String(decoding: try JSONEncoder().encode(queues), as: UTF8.self)
        try await client.query("""
            WITH gone AS (DELETE FROM queue_workers WHERE last_seen_at < now() - interval '1 hour')
            INSERT INTO queue_workers (id, host, pid, queues, running)
            VALUES (\(workerID), \(host), \(pid), \(queuesJSON)::jsonb, \(running))
            ON CONFLICT (id) DO UPDATE SET running = excluded.running, queues = excluded.queues, last_seen_at = now()
            """, logger: logger)
    }

    public func retire(workerID: String) async throws {
        try await client.query("DELETE FROM queue_workers WHERE id = \(workerID)", logger: logger)
    }

    /// Workers seen within `window` (a few heartbeat intervals), by id.
    public func workers(seenWithin window: Duration) async throws -> [WorkerPresence] {
        let seconds = Double(window.components.seconds) + Double(window.components.attoseconds) / 1e18
        let rows = try await client.query("""
            SELECT id, host, pid, queues::text, running, started_at, last_seen_at FROM queue_workers
            WHERE last_seen_at > now() - make_interval(secs => \(seconds)) ORDER BY id
            """, logger: logger)
        var workers: [WorkerPresence] = []
        for try await (id, host, pid, queues, running, started, seen) in rows.decode((String, String, Int, String, Int, Date, Date).self) {
            let slots = (try? JSONDecoder().decode([String: Int].self, from: Data(queues.utf8))) ?? [:]
            workers.append(WorkerPresence(id: id, host: host, pid: pid, queues: slots, running: running, startedAt: started, lastSeenAt: seen))
        }
        return workers
    }
}
