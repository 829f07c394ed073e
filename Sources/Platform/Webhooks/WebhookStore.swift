import Foundation
import Logging
import PostgresNIO
import QueueEngine

/// Webhook endpoints, deliveries and attempts. Endpoint queries name the workspace, so an id of
/// another workspace finds nothing.
public enum WebhookStore {
    static let endpointColumns = """
        id, workspace_id, url, description, events, secret_sealed, enabled, consecutive_failures, disabled_at, disabled_reason,
        created_at, updated_at
        """
    static let deliveryColumns = """
        id, endpoint_id, workspace_id, event_id, event_type, payload::text, state, attempts, next_attempt_at, last_status, last_error,
        delivered_at, redelivery_of, job_id, created_at
        """

    public static func create(_ endpoint: WebhookEndpoint, createdBy: UUID?, on connection: PostgresConnection,
                              logger: Logger) async throws -> WebhookEndpoint {
        let rows = try await connection.query("""
            INSERT INTO webhook_endpoints (id, workspace_id, url, description, events, secret_sealed, enabled, created_by)
            VALUES (\(endpoint.id), \(endpoint.workspaceID), \(endpoint.url), \(endpoint.description), \(endpoint.events), \(endpoint.secretSealed),
                    \(endpoint.enabled), \(createdBy))
            RETURNING \(unescaped: endpointColumns)
            """, logger: logger)
        guard let created = try await decodeEndpoints(rows).first else { throw StoreInvariantError.insertReturnedNothing }
        return created
    }

    public static func endpoint(workspaceID: UUID, id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> WebhookEndpoint? {
        let rows = try await connection.query(
            "SELECT \(unescaped: endpointColumns) FROM webhook_endpoints WHERE workspace_id = \(workspaceID) AND id = \(id)", logger: logger)
        return try await decodeEndpoints(rows).first
    }

    public static func endpoints(workspaceID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [WebhookEndpoint] {
        let rows = try await connection.query("""
            SELECT \(unescaped: endpointColumns) FROM webhook_endpoints WHERE workspace_id = \(workspaceID) ORDER BY created_at DESC, id DESC
            """, logger: logger)
        return try await decodeEndpoints(rows)
    }

    /// Saves the editable fields; enabling an endpoint clears its failure count and disabled state.
    public static func update(_ endpoint: WebhookEndpoint, on connection: PostgresConnection, logger: Logger) async throws -> WebhookEndpoint? {
        let rows = try await connection.query("""
            UPDATE webhook_endpoints SET url = \(endpoint.url), description = \(endpoint.description), events = \(endpoint.events),
                secret_sealed = \(endpoint.secretSealed), enabled = \(endpoint.enabled),
                consecutive_failures = CASE WHEN \(endpoint.enabled) AND NOT enabled THEN 0 ELSE consecutive_failures END,
                disabled_at = CASE WHEN \(endpoint.enabled) THEN NULL ELSE coalesce(disabled_at, now()) END,
                disabled_reason = CASE WHEN \(endpoint.enabled) THEN NULL WHEN enabled THEN 'disabled by a member' ELSE disabled_reason END,
                updated_at = now()
            WHERE workspace_id = \(endpoint.workspaceID) AND id = \(endpoint.id)
            RETURNING \(unescaped: endpointColumns)
            """, logger: logger)
        return try await decodeEndpoints(rows).first
    }

    public static func delete(workspaceID: UUID, id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query("DELETE FROM webhook_endpoints WHERE workspace_id = \(workspaceID) AND id = \(id) RETURNING id",
                                              logger: logger)
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }

    /// Inserts a delivery of `event` to each endpoint and its `webhooks.deliver` job, in the caller's
    /// transaction; answers the deliveries' ids.
    @discardableResult
    public static func enqueue(_ event: WebhookEvent, to endpoints: [UUID], redeliveryOf: Int64? = nil, on connection: PostgresConnection,
                               logger: Logger) async throws -> [(delivery: Int64, job: Int64)] {
        guard !endpoints.isEmpty else { return [] }
        let payload = event.payload.text
        let rows = try await connection.query("""
            INSERT INTO webhook_deliveries (endpoint_id, workspace_id, event_id, event_type, payload, redelivery_of)
            SELECT e, \(event.workspaceID), \(event.id), \(event.type.rawValue), \(payload)::jsonb, \(redeliveryOf)
            FROM unnest(\(endpoints)::uuid[]) AS e
            RETURNING id
            """, logger: logger)
        var ids: [Int64] = []
        for try await id in rows.decode(Int64.self) { ids.append(id) }
        let workspace = event.workspaceID.uuidString.lowercased()
        let jobs = try ids.map { try NewJob(DeliverWebhookJob.self, DeliverWebhookJob.Args(deliveryID: $0),
                                            options: JobOptions(workspaceID: workspace)) }
        let results = try await JobStore.insertMany(jobs, on: connection, logger: logger)
        try await connection.query("""
            UPDATE webhook_deliveries d SET job_id = j.job FROM unnest(\(ids)::bigint[], \(results.map(\.id))::bigint[]) AS j(delivery, job)
            WHERE d.id = j.delivery
            """, logger: logger)
        return zip(ids, results.map(\.id)).map { ($0, $1) }
    }

    /// One delivery, whichever endpoint it belongs to (its job checks the workspace).
    public static func delivery(id: Int64, on connection: PostgresConnection, logger: Logger) async throws -> WebhookDelivery? {
        let rows = try await connection.query("SELECT \(unescaped: deliveryColumns) FROM webhook_deliveries WHERE id = \(id)", logger: logger)
        return try await decodeDeliveries(rows).first
    }

    public static func endpoint(id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> WebhookEndpoint? {
        let rows = try await connection.query("SELECT \(unescaped: endpointColumns) FROM webhook_endpoints WHERE id = \(id)", logger: logger)
        return try await decodeEndpoints(rows).first
    }

    public static func delivery(endpointID: UUID, id: Int64, on connection: PostgresConnection, logger: Logger) async throws -> WebhookDelivery? {
        let rows = try await connection.query("""
            SELECT \(unescaped: deliveryColumns) FROM webhook_deliveries WHERE endpoint_id = \(endpointID) AND id = \(id)
            """, logger: logger)
        return try await decodeDeliveries(rows).first
    }

    /// Newest first, each with its attempts.
    public static func deliveries(endpointID: UUID, state: String?, beforeID: Int64?, limit: Int, on connection: PostgresConnection,
                                  logger: Logger) async throws -> [WebhookDelivery] {
        let rows = try await connection.query("""
            SELECT \(unescaped: deliveryColumns) FROM webhook_deliveries
            WHERE endpoint_id = \(endpointID) AND (\(state)::text IS NULL OR state = \(state)) AND (\(beforeID)::bigint IS NULL OR id < \(beforeID))
            ORDER BY id DESC LIMIT \(limit)
            """, logger: logger)
        var deliveries = try await decodeDeliveries(rows)
        guard !deliveries.isEmpty else { return [] }
        let attempts = try await connection.query("""
            SELECT delivery_id, attempt, status_code, error, latency_ms, response_excerpt, created_at FROM webhook_attempts
            WHERE delivery_id = ANY(\(deliveries.map(\.id))::bigint[]) ORDER BY delivery_id, attempt
            """, logger: logger)
        var byDelivery: [Int64: [WebhookDelivery.Attempt]] = [:]
        for try await (delivery, attempt, status, error, latency, excerpt, at)
            in attempts.decode((Int64, Int, Int?, String?, Int?, String?, Date).self) {
            byDelivery[delivery, default: []].append(.init(attempt: attempt, statusCode: status, error: error, latencyMS: latency,
                                                           responseExcerpt: excerpt, createdAt: at))
        }
        for index in deliveries.indices { deliveries[index].log = byDelivery[deliveries[index].id] ?? [] }
        return deliveries
    }

    /// Records an attempt and its effect on the delivery.
    public static func recordAttempt(deliveryID: Int64, attempt: Int, status: Int?, error: String?, latencyMS: Int?, excerpt: String?,
                                     state: String, nextAttemptAt: Date?, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO webhook_attempts (delivery_id, attempt, status_code, error, latency_ms, response_excerpt)
            VALUES (\(deliveryID), \(attempt), \(status), \(error), \(latencyMS), \(excerpt))
            ON CONFLICT (delivery_id, attempt) DO NOTHING
            """, logger: logger)
        try await connection.query("""
            UPDATE webhook_deliveries SET attempts = \(attempt), last_status = \(status), last_error = \(error), state = \(state),
                next_attempt_at = \(nextAttemptAt), delivered_at = CASE WHEN \(state) = 'delivered' THEN now() ELSE delivered_at END
            WHERE id = \(deliveryID)
            """, logger: logger)
    }

    /// Ends a delivery without another attempt (its endpoint is gone or disabled).
    public static func fail(deliveryID: Int64, reason: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            UPDATE webhook_deliveries SET state = 'failed', last_error = \(reason), next_attempt_at = NULL
            WHERE id = \(deliveryID) AND state = 'pending'
            """, logger: logger)
    }

    /// Counts a failed attempt against the endpoint; answers true when this one disabled it.
    public static func countFailure(endpointID: UUID, disableAfter: Int, reason: String, on connection: PostgresConnection,
                                    logger: Logger) async throws -> Bool {
        let rows = try await connection.query("""
            WITH before AS (SELECT id, enabled FROM webhook_endpoints WHERE id = \(endpointID) FOR UPDATE)
            UPDATE webhook_endpoints e SET consecutive_failures = e.consecutive_failures + 1,
                enabled = e.enabled AND e.consecutive_failures + 1 < \(disableAfter),
                disabled_at = CASE WHEN e.enabled AND e.consecutive_failures + 1 >= \(disableAfter) THEN now() ELSE e.disabled_at END,
                disabled_reason = CASE WHEN e.enabled AND e.consecutive_failures + 1 >= \(disableAfter) THEN \(reason) ELSE e.disabled_reason END
            FROM before WHERE e.id = before.id
            RETURNING before.enabled AND NOT e.enabled
            """, logger: logger)
        for try await disabledNow in rows.decode(Bool.self) { return disabledNow }
        return false
    }

    public static func countSuccess(endpointID: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("UPDATE webhook_endpoints SET consecutive_failures = 0 WHERE id = \(endpointID) AND consecutive_failures <> 0",
                                   logger: logger)
    }

    static func decodeEndpoints(_ rows: PostgresRowSequence) async throws -> [WebhookEndpoint] {
        var endpoints: [WebhookEndpoint] = []
        for try await row in rows {
            let r = row.makeRandomAccess()
            func value<T: PostgresDecodable>(_ name: String, _ type: T.Type = T.self) throws -> T { try r[name].decode(T.self, context: .default) }
            endpoints.append(WebhookEndpoint(
                id: try value("id"), workspaceID: try value("workspace_id"), url: try value("url"), description: try value("description"),
                events: try value("events"), secretSealed: try value("secret_sealed"), enabled: try value("enabled"),
                consecutiveFailures: try value("consecutive_failures"), disabledAt: try value("disabled_at", Date?.self),
                disabledReason: try value("disabled_reason", String?.self), createdAt: try value("created_at"), updatedAt: try value("updated_at")))
        }
        return endpoints
    }

    static func decodeDeliveries(_ rows: PostgresRowSequence) async throws -> [WebhookDelivery] {
        var deliveries: [WebhookDelivery] = []
        for try await row in rows {
            let r = row.makeRandomAccess()
            func value<T: PostgresDecodable>(_ name: String, _ type: T.Type = T.self) throws -> T { try r[name].decode(T.self, context: .default) }
            deliveries.append(WebhookDelivery(
                id: try value("id"), endpointID: try value("endpoint_id"), workspaceID: try value("workspace_id"), eventID: try value("event_id"),
                eventType: try value("event_type"), payload: try value("payload"), state: try value("state"), attempts: try value("attempts"),
                nextAttemptAt: try value("next_attempt_at", Date?.self), lastStatus: try value("last_status", Int?.self),
                lastError: try value("last_error", String?.self), deliveredAt: try value("delivered_at", Date?.self),
                redeliveryOf: try value("redelivery_of", Int64?.self), jobID: try value("job_id", Int64?.self), createdAt: try value("created_at")))
        }
        return deliveries
    }
}
