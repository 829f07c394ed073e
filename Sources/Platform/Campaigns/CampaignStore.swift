import Foundation
import Logging
import PostgresNIO

/// The campaign tables. Recipients are inserted with their chunk number once, at creation; chunk
/// jobs then read and mark them.
public enum CampaignStore {
    static let columns = "id, workspace_id, name, template, variables::text, state, total, chunks, created_at, completed_at"

    /// Creates the campaign and its recipients (deduplicated by address, case-insensitively),
    /// `chunkSize` to a chunk.
    public static func create(workspaceID: UUID, name: String, template: String, variables: [String: TemplateValue],
                              recipients: [CampaignRecipient], chunkSize: Int, createdBy: UUID?,
                              on connection: PostgresConnection, logger: Logger) async throws -> CampaignRecord {
        var seen = Set<String>()
        let unique = recipients.filter { seen.insert($0.address.lowercased()).inserted }
        let chunks = max(1, (unique.count + chunkSize - 1) / chunkSize)
        let variablesJSON = String(decoding: try JSONEncoder().encode(variables), as: UTF8.self)
        let rows = try await connection.query("""
            INSERT INTO email_campaigns (workspace_id, name, template, variables, total, chunks, created_by)
            VALUES (\(workspaceID), \(name), \(template), \(variablesJSON)::jsonb, \(unique.count), \(chunks), \(createdBy))
            RETURNING \(unescaped: columns)
            """, logger: logger)
        guard let campaign = try await decode(rows).first else { throw StoreInvariantError.insertReturnedNothing }
        let encoder = JSONEncoder()
        let addresses = unique.map { $0.address }
        let names = unique.map { $0.name ?? "" }
        let recipientVariables = try unique.map { String(decoding: try encoder.encode($0.variables), as: UTF8.self) }
        let chunkNumbers = unique.indices.map { $0 / chunkSize }
        try await connection.query("""
            INSERT INTO email_campaign_recipients (campaign_id, chunk, address, name, variables)
            SELECT \(campaign.id), r.chunk, r.address, NULLIF(r.name, ''), r.variables::jsonb
            FROM unnest(\(chunkNumbers)::int[], \(addresses)::text[], \(names)::text[], \(recipientVariables)::text[])
                AS r (chunk, address, name, variables)
            """, logger: logger)
        return campaign
    }

    public static func campaign(id: UUID, workspaceID: UUID? = nil, on connection: PostgresConnection,
                                logger: Logger) async throws -> CampaignRecord? {
        let rows = try await connection.query("""
            SELECT \(unescaped: columns) FROM email_campaigns
            WHERE id = \(id) AND (\(workspaceID)::uuid IS NULL OR workspace_id = \(workspaceID))
            """, logger: logger)
        return try await decode(rows).first
    }

    /// A workspace's campaigns, newest first, after the `before` keyset position.
    public static func campaigns(workspaceID: UUID, before: (Date, UUID)?, limit: Int, on connection: PostgresConnection,
                                 logger: Logger) async throws -> [CampaignRecord] {
        let rows = try await connection.query("""
            SELECT \(unescaped: columns) FROM email_campaigns
            WHERE workspace_id = \(workspaceID)
              AND (\(before?.0)::timestamptz IS NULL OR (created_at, id) < (\(before?.0), \(before?.1)))
            ORDER BY created_at DESC, id DESC LIMIT \(limit)
            """, logger: logger)
        return try await decode(rows)
    }

    public static func counts(campaignID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> CampaignCounts {
        let rows = try await connection.query("""
            SELECT state, count(*)::int FROM email_campaign_recipients WHERE campaign_id = \(campaignID) GROUP BY state
            """, logger: logger)
        var counts = CampaignCounts(byState: [:])
        for try await (state, count) in rows.decode((String, Int).self) { counts.byState[state] = count }
        return counts
    }

    /// The chunk's recipients still queued, in a stable order.
    public static func pending(campaignID: UUID, chunk: Int, on connection: PostgresConnection, logger: Logger) async throws -> [PendingRecipient] {
        let rows = try await connection.query("""
            SELECT id, address, name, variables::text FROM email_campaign_recipients
            WHERE campaign_id = \(campaignID) AND chunk = \(chunk) AND state = 'queued' ORDER BY id
            """, logger: logger)
        var recipients: [PendingRecipient] = []
        for try await (id, address, name, variables) in rows.decode((Int64, String, String?, String).self) {
            let decoded = (try? JSONDecoder().decode([String: TemplateValue].self, from: Data(variables.utf8))) ?? [:]
            recipients.append(PendingRecipient(id: id, address: address, name: name, variables: decoded))
        }
        return recipients
    }

    /// Records what happened to recipients; only a queued recipient changes (a resend after a
    /// crash cannot overwrite a final state).
    public static func mark(recipientIDs: [Int64], state: String, provider: String? = nil, error: String? = nil,
                            on connection: PostgresConnection, logger: Logger) async throws {
        guard !recipientIDs.isEmpty else { return }
        try await connection.query("""
            UPDATE email_campaign_recipients SET state = \(state), provider = \(provider), error = \(error), updated_at = now()
            WHERE id = ANY(\(recipientIDs)::bigint[]) AND state = 'queued'
            """, logger: logger)
    }

    /// Gives every still-queued recipient of a chunk a final state (a chunk out of attempts, a cancel).
    public static func closeChunk(campaignID: UUID, chunk: Int?, state: String, error: String?, on connection: PostgresConnection,
                                  logger: Logger) async throws {
        try await connection.query("""
            UPDATE email_campaign_recipients SET state = \(state), error = \(error), updated_at = now()
            WHERE campaign_id = \(campaignID) AND (\(chunk)::int IS NULL OR chunk = \(chunk)) AND state = 'queued'
            """, logger: logger)
    }

    /// Marks the campaign completed once no recipient is queued; true when this call did it.
    @discardableResult
    public static func completeIfDone(campaignID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query("""
            UPDATE email_campaigns SET state = 'completed', completed_at = now()
            WHERE id = \(campaignID) AND state = 'sending'
              AND NOT EXISTS (SELECT 1 FROM email_campaign_recipients WHERE campaign_id = \(campaignID) AND state = 'queued')
            RETURNING id
            """, logger: logger)
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }

    /// Cancels a campaign that is still sending: its queued recipients are not mailed.
    public static func cancel(id: UUID, workspaceID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query("""
            UPDATE email_campaigns SET state = 'cancelled', completed_at = now()
            WHERE id = \(id) AND workspace_id = \(workspaceID) AND state = 'sending' RETURNING id
            """, logger: logger)
        var cancelled = false
        for try await _ in rows.decode(UUID.self) { cancelled = true }
        if cancelled { try await closeChunk(campaignID: id, chunk: nil, state: "cancelled", error: nil, on: connection, logger: logger) }
        return cancelled
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [CampaignRecord] {
        var campaigns: [CampaignRecord] = []
        for try await (id, workspace, name, template, variables, state, total, chunks, created, completed)
            in rows.decode((UUID, UUID, String, String, String, String, Int, Int, Date, Date?).self) {
            campaigns.append(CampaignRecord(id: id, workspaceID: workspace, name: name, template: template, variablesJSON: variables,
                                            state: state, total: total, chunks: chunks, createdAt: created, completedAt: completed))
        }
        return campaigns
    }
}
