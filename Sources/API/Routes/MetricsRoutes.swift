import Crypto
import Foundation
import Hummingbird
import QueueEngine
import Telemetry

/// `GET /metrics` (and `GET /health/metrics`, the seed's name for it): this process's Prometheus metrics (HTTP requests by route and status, jobs
/// enqueued) and the queues' depth, age and pause state, read from `queue_stats` at most once per
/// `METRICS_QUEUE_REFRESH_MS` however many scrapers ask. With `METRICS_TOKEN` set it answers only `Bearer <token>`.
struct MetricsRoutes {
    /// Where the metrics are served; the authentication middleware leaves their bearer token alone.
    static let paths: Set<String> = ["/metrics", "/health/metrics"]

    let database: APIDatabase
    let metricsToken: String?
    let refresh: QueueStatsRefresh

    init(database: APIDatabase, metricsToken: String?, metricsQueueRefresh: Duration) {
        self.database = database
        self.metricsToken = metricsToken
        refresh = QueueStatsRefresh(interval: metricsQueueRefresh)
    }

    func add(to router: Router<APIRequestContext>) {
        router.get("metrics", use: metrics)
        router.get("health/metrics", use: metrics)
    }

    @Sendable func metrics(_ request: Request, context: APIRequestContext) async throws -> Response {
        if let token = metricsToken {
            // Digests compare in constant time; the token's length and content stay hidden.
            guard let given = request.headers[.authorization],
                  SHA256.hash(data: Data(given.utf8)) == SHA256.hash(data: Data("Bearer \(token)".utf8)) else {
                throw APIError(.unauthorized, .unauthorized, "the metrics need METRICS_TOKEN as a bearer token")
            }
        }
        if await refresh.due() {
            do {
                EngineMetrics.shared.queues(try await database.queue.store.stats())
                EngineMetrics.shared.deletedCompletions(try await database.queue.store.deletedCompletions())
                EngineMetrics.shared.postgresConnections(try await database.queue.store.connectionsByState())
            } catch {
                database.logger.warning("queue statistics not refreshed for /metrics", metadata: ["error": "\(logDescription(error))"])
            }
        }
        return Telemetry.response()
    }
}

/// At most one statistics read per interval, whatever the scrape rate.
actor QueueStatsRefresh {
    private var last: ContinuousClock.Instant?
    private let interval: Duration

    init(interval: Duration) {
        self.interval = interval
    }

    func due() -> Bool {
        if let last, ContinuousClock.now - last < interval { return false }
        last = .now
        return true
    }
}
