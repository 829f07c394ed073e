import Foundation
import Logging
import PostgresNIO

/// Phone numbers of a workspace and their assistant binding.
public enum PhoneNumberStore {
    static let columns = """
        id, workspace_id, number, label, provider, provider_sid, assistant_id, created_at, updated_at, provider_status, provider_error
        """

    /// Adds a number; nil when the number is already registered (in any workspace).
    public static func create(
        workspaceID: UUID, number: String, label: String, providerSID: String?, assistantID: UUID?, status: PhoneNumberRecord.ProviderStatus,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> PhoneNumberRecord? {
        let rows = try await connection.query("""
            INSERT INTO phone_numbers (workspace_id, number, label, provider_sid, assistant_id, provider_status)
            VALUES (\(workspaceID), \(number), \(label), \(providerSID), \(assistantID), \(status.rawValue))
            ON CONFLICT (number) DO NOTHING
            RETURNING \(unescaped: columns)
            """, logger: logger)
        return try await decode(rows).first
    }

    public static func list(workspaceID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [PhoneNumberRecord] {
        let rows = try await connection.query(
            "SELECT \(unescaped: columns) FROM phone_numbers WHERE workspace_id = \(workspaceID) ORDER BY created_at, id",
            logger: logger)
        return try await decode(rows)
    }

    public static func phoneNumber(workspaceID: UUID, id: UUID, on connection: PostgresConnection,
                                   logger: Logger) async throws -> PhoneNumberRecord? {
        let rows = try await connection.query(
            "SELECT \(unescaped: columns) FROM phone_numbers WHERE workspace_id = \(workspaceID) AND id = \(id)", logger: logger)
        return try await decode(rows).first
    }

    /// The workspace's record of `number` (E.164); nil when the workspace does not hold it.
    public static func number(workspaceID: UUID, number: String, on connection: PostgresConnection,
                              logger: Logger) async throws -> PhoneNumberRecord? {
        let rows = try await connection.query(
            "SELECT \(unescaped: columns) FROM phone_numbers WHERE workspace_id = \(workspaceID) AND number = \(number)", logger: logger)
        return try await decode(rows).first
    }

    /// Whichever workspace holds `number` (numbers are unique across workspaces): inbound routing.
    public static func holder(of number: String, on connection: PostgresConnection, logger: Logger) async throws -> PhoneNumberRecord? {
        let rows = try await connection.query("SELECT \(unescaped: columns) FROM phone_numbers WHERE number = \(number)", logger: logger)
        return try await decode(rows).first
    }

    /// The oldest number bound to the assistant: the caller ID of its outbound calls by default.
    public static func firstBound(workspaceID: UUID, assistantID: UUID, on connection: PostgresConnection,
                                  logger: Logger) async throws -> PhoneNumberRecord? {
        let rows = try await connection.query("""
            SELECT \(unescaped: columns) FROM phone_numbers
            WHERE workspace_id = \(workspaceID) AND assistant_id = \(assistantID) ORDER BY created_at, id LIMIT 1
            """, logger: logger)
        return try await decode(rows).first
    }

    /// Changes the label and the bound assistant (nil unbinds).
    public static func update(
        workspaceID: UUID, id: UUID, label: String, assistantID: UUID?, on connection: PostgresConnection, logger: Logger
    ) async throws -> PhoneNumberRecord? {
        let rows = try await connection.query("""
            UPDATE phone_numbers SET label = \(label), assistant_id = \(assistantID), updated_at = now(),
                provider_status = CASE WHEN assistant_id IS DISTINCT FROM \(assistantID) AND provider_status NOT IN ('purchasing', 'purchase_failed')
                                       THEN 'configuring' ELSE provider_status END
            WHERE workspace_id = \(workspaceID) AND id = \(id)
            RETURNING \(unescaped: columns)
            """, logger: logger)
        return try await decode(rows).first
    }

    /// By id alone, for the provisioning jobs.
    public static func phoneNumber(id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> PhoneNumberRecord? {
        try await decode(try await connection.query("SELECT \(unescaped: columns) FROM phone_numbers WHERE id = \(id)", logger: logger)).first
    }

    /// Records what the provider said about the number.
    public static func setProviderState(id: UUID, status: PhoneNumberRecord.ProviderStatus, sid: String?, error: String?,
                                        on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            UPDATE phone_numbers SET provider_status = \(status.rawValue), provider_sid = coalesce(\(sid), provider_sid),
                provider_error = \(error), provider_checked_at = now(), updated_at = now()
            WHERE id = \(id)
            """, logger: logger)
    }

    public static func delete(workspaceID: UUID, id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            "DELETE FROM phone_numbers WHERE workspace_id = \(workspaceID) AND id = \(id) RETURNING id", logger: logger)
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [PhoneNumberRecord] {
        var records: [PhoneNumberRecord] = []
        for try await (id, workspace, number, label, provider, sid, assistant, created, updated, status, error)
            in rows.decode((UUID, UUID, String, String, String, String?, UUID?, Date, Date, String, String?).self) {
            records.append(PhoneNumberRecord(id: id, workspaceID: workspace, number: number, label: label, provider: provider,
                                             providerSID: sid, assistantID: assistant, createdAt: created, updatedAt: updated,
                                             providerStatus: PhoneNumberRecord.ProviderStatus(rawValue: status) ?? .unconfigured,
                                             providerError: error))
        }
        return records
    }
}
