import Hummingbird
import NIOPosix
import PostgresNIO
import QueueEngine

/// Liveness (the process answers), readiness (PostgreSQL answers: without it nothing can be
/// accepted) and a summary that also reports Redis, which is optional: without it workers poll.
struct HealthRoutes {
    let database: APIDatabase
    let redis: RedisConfiguration?

    struct HealthView: ResponseEncodable {
        let status: String
        let database: String
        let redis: String
    }

    func add(to router: Router<APIRequestContext>) {
        router.get("health/live") { _, _ in HealthView(status: "ok", database: "unchecked", redis: "unchecked") }
        router.get("health/ready", use: ready)
        router.get("health", use: summary)
    }

    @Sendable func ready(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<HealthView> {
        let database = await databaseAnswers()
        return EditedResponse(status: database ? .ok : .serviceUnavailable,
                              response: HealthView(status: database ? "ok" : "unavailable", database: database ? "up" : "down", redis: "unchecked"))
    }

    @Sendable func summary(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<HealthView> {
        async let database = databaseAnswers()
        let redis = await redisState()
        let up = await database
        let status = !up ? "unavailable" : (redis == "down" ? "degraded" : "ok")
        return EditedResponse(status: up ? .ok : .serviceUnavailable,
                              response: HealthView(status: status, database: up ? "up" : "down", redis: redis))
    }

    private func databaseAnswers() async -> Bool {
        let client = database.client
        let logger = database.logger
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                guard let rows = try? await client.query("SELECT 1", logger: logger) else { return false }
                return (try? await rows.collect().count == 1) ?? false
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(2))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    private func redisState() async -> String {
        guard let configuration = redis else { return "not_configured" }
        let up = (try? await NIOThreadPool.singleton.runIfActive { RedisProbe.ping(configuration) }) ?? false
        return up ? "up" : "down"
    }
}
