import Foundation
import Logging
import PostgresNIO
import ServerSupport

/// Emits an event to every enabled endpoint of the workspace that subscribes to it, inside the
/// caller's transaction: the deliveries and their jobs commit with the change they report.
public enum WebhookEvents {
    @discardableResult
    public static func emit(_ type: WebhookEventType, workspaceID: UUID, data: JSONValue, on connection: PostgresConnection,
                            logger: Logger) async throws -> Int {
        let rows = try await connection.query("""
            SELECT id FROM webhook_endpoints
            WHERE workspace_id = \(workspaceID) AND enabled AND (\(type.rawValue) = ANY(events) OR '*' = ANY(events))
            """, logger: logger)
        var endpoints: [UUID] = []
        for try await id in rows.decode(UUID.self) { endpoints.append(id) }
        guard !endpoints.isEmpty else { return 0 }
        let event = WebhookEvent(type: type, workspaceID: workspaceID, data: data)
        return try await WebhookStore.enqueue(event, to: endpoints, on: connection, logger: logger).count
    }
}
