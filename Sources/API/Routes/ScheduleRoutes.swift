import Foundation
import Hummingbird
import Platform
import QueueEngine

/// `GET /api/schedules`: the scheduler's entries as deployed (the `cron/` files, read on each
/// request) with their next run, and what the database remembers of each: the last tick enqueued and
/// its job's state. For platform operators: the schedule is the platform's, not a workspace's.
struct ScheduleRoutes {
    let database: APIDatabase
    let accessControl: AccessControl
    let catalogue: JobCatalogue
    let cronFolder: String

    struct ScheduleView: Encodable, Sendable {
        let name: String
        let expression: String
        let timeZone: String
        let kind: String
        let queue: String?
        let enabled: Bool
        let catchUp: String
        let source: String
        let nextRun: Date?
        let lastRun: Date?
        let lastJobID: Int64?
        let lastJobState: String?
    }

    func add(to router: Router<APIRequestContext>) {
        router.get("api/schedules", use: list)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> [ScheduleView] {
        _ = try await accessControl.requireOperator(context)
        let entries: [ScheduleEntry]
        do {
            entries = try ScheduleLoader(catalogue: catalogue).load(folder: cronFolder)
        } catch {
            // The scheduler refuses the same files at its start; say what is wrong with them.
            throw APIError(.internalServerError, .internalError, "the schedule files are invalid: \(error)")
        }
        return ScheduleStatus.of(entries, records: try await database.queue.store.schedules()).map { status in
            let entry = status.entry
            return ScheduleView(
                name: entry.name, expression: "\(entry.expression)", timeZone: entry.timeZone.identifier, kind: entry.kind,
                queue: entry.queue, enabled: entry.enabled, catchUp: entry.catchUp.rawValue, source: entry.source,
                nextRun: status.nextRun, lastRun: status.record?.lastTick, lastJobID: status.record?.lastJobID,
                lastJobState: status.record?.lastJobState?.rawValue)
        }
    }
}
