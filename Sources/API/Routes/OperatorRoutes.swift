import Foundation
import Hummingbird
import Platform
import QueueEngine

/// `/api/admin/...`: what the platform's operators (`PLATFORM_OPERATOR_EMAILS`) watch and steer.
/// Queues and workers are shared by every workspace, so only operators see them or pause a queue.
struct OperatorRoutes {
    let database: APIDatabase
    let accessControl: AccessControl
    /// A worker counts as alive when it announced itself within this window (three heartbeats at
    /// the default lease).
    static let aliveWindow: Duration = .seconds(30)

    struct QueueView: Encodable, Sendable {
        let queue: String
        let ready: Int
        let scheduled: Int
        let running: Int
        let oldestReadyAgeSeconds: Double
        let paused: Bool
    }

    struct QueuesView: ResponseEncodable {
        let items: [QueueView]
        /// Finished jobs per minute over the last hour, every workspace together.
        let activity: [JobRoutes.ActivityMinuteView]
    }

    struct WorkerView: Encodable, Sendable {
        let id: String
        let host: String
        let pid: Int
        let queues: [String: Int]
        let running: Int
        let startedAt: Date
        let lastSeenAt: Date
    }

    struct WorkersView: ResponseEncodable {
        let items: [WorkerView]
    }

    func add(to router: Router<APIRequestContext>) {
        router.get("api/admin/queues", use: queues)
        router.post("api/admin/queues/:queue/pause", use: pause)
        router.post("api/admin/queues/:queue/resume", use: resume)
        router.get("api/admin/workers", use: workers)
        addJobRoutes(to: router)
    }

    @Sendable func queues(_ request: Request, context: APIRequestContext) async throws -> QueuesView {
        _ = try await accessControl.requireOperator(context)
        let store = database.queue.store
        async let stats = store.stats()
        async let activity = store.activity(over: .seconds(3_600))
        return QueuesView(items: try await stats.map {
            QueueView(queue: $0.queue, ready: $0.ready, scheduled: $0.scheduled, running: $0.running,
                      oldestReadyAgeSeconds: $0.oldestReadyAgeSeconds, paused: $0.paused)
        }, activity: try await activity.map(JobRoutes.ActivityMinuteView.init))
    }

    /// Workers stop claiming from a paused queue; running jobs finish.
    @Sendable func pause(_ request: Request, context: APIRequestContext) async throws -> Response {
        let queue = try Self.queue(context)
        let userID = try await accessControl.requireOperator(context)
        try await database.queue.store.pause(queue: queue)
        try await audit("queue.pause", queue, userID: userID, context: context)
        return Response(status: .noContent)
    }

    @Sendable func resume(_ request: Request, context: APIRequestContext) async throws -> Response {
        let queue = try Self.queue(context)
        let userID = try await accessControl.requireOperator(context)
        try await database.queue.resume(queue: queue)
        try await audit("queue.resume", queue, userID: userID, context: context)
        return Response(status: .noContent)
    }

    @Sendable func workers(_ request: Request, context: APIRequestContext) async throws -> WorkersView {
        _ = try await accessControl.requireOperator(context)
        return WorkersView(items: try await database.queue.store.workers(seenWithin: Self.aliveWindow).map {
            WorkerView(id: $0.id, host: $0.host, pid: $0.pid, queues: $0.queues, running: $0.running, startedAt: $0.startedAt,
                       lastSeenAt: $0.lastSeenAt)
        })
    }

    /// Queue names as the engine takes them: 1 to 100 printable bytes.
    static func queue(_ context: APIRequestContext) throws -> String {
        guard let queue = context.parameters.get("queue"), (1...100).contains(queue.utf8.count),
              queue.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7f }) else {
            throw APIError.validation(field: "queue", "must be 1 to 100 printable characters")
        }
        return queue
    }

    private func audit(_ action: String, _ queue: String, userID: UUID, context: APIRequestContext) async throws {
        let logger = database.logger
        try await database.write { transaction in
            try await AuditLog.record(AuditEntry(workspaceID: nil, actorUserID: userID, actorKeyID: nil, action: action,
                                                 resourceType: "queue", resourceID: queue, ip: context.remoteIP),
                                      on: transaction.connection, logger: logger)
        }
    }
}
