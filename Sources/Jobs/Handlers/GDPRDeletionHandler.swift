import Foundation
import Logging
import Platform
import PostgresNIO
import Providers
import QueueEngine

/// Runs `GDPRDeletionJob` (its arguments and defaults are defined in Platform, for producers).
public struct GDPRDeletionHandler: JobHandler {
    public typealias Definition = GDPRDeletionJob
    public typealias Args = GDPRDeletionJob.Args

    let client: PostgresClient
    let storage: any FileStorage

    public init(client: PostgresClient, storage: any FileStorage) {
        self.client = client
        self.storage = storage
    }

    public func run(_ args: Args, context: JobContext) async throws -> JobOutcome {
        let logger = context.logger
        let limit = min(max(args.batchSize ?? 1_000, 1), 100_000)
        let started = try await client.transaction(logger: logger) { connection -> (GDPRRequest, String?)? in
            guard let request = try await GDPRStore.request(id: args.requestID, on: connection, logger: logger),
                  request.kind == "deletion" else { return nil }
            guard request.state == "pending" || request.state == "running" else { return (request, nil) }
            let email = try await GDPRStore.beginDeletion(id: request.id, on: connection, logger: logger)
            return (request, email)
        }
        guard let (request, subject) = started else { return .discard(reason: "no deletion request \(args.requestID)") }
        guard let email = subject else { return .success }
        let user = request.userID
        let pseudonym = request.id

        try await client.transaction(logger: logger) { connection in
            let counts = try await Self.resolveOwnedWorkspaces(user: user, policy: request.workspacePolicy ?? "transfer", on: connection,
                                                               logger: logger)
            for (name, count) in counts where count > 0 {
                try await GDPRStore.addToReceipt(id: request.id, name, count, on: connection, logger: logger)
            }
        }
        let exports = try await client.withConnection { try await GDPRStore.storedExports(userID: user, on: $0, logger: logger) }
        for key in exports {
            try Task.checkCancellation()
            try await storage.delete(key: key)
            try await client.transaction(logger: logger) { connection in
                try await GDPRStore.forgetExport(storageKey: key, on: connection, logger: logger)
                try await GDPRStore.addToReceipt(id: request.id, "stored exports (deleted)", 1, on: connection, logger: logger)
            }
        }
        var batches = 0
        for step in PersonalDataDeletion.steps {
            while true {
                try Task.checkCancellation()
                if let maxBatches = args.maxBatches, batches >= maxBatches { return .snooze(.seconds(1)) }
                batches += 1
                let done = try await client.transaction(logger: logger) { connection -> Int in
                    let query = step.batch(user, email, pseudonym, limit)
                    let rows = try await connection.query(PostgresQuery(unsafeSQL: query.sql + " RETURNING 1", binds: query.binds), logger: logger)
                    var count = 0
                    for try await _ in rows.decode(Int.self) { count += 1 }
                    if count > 0 { try await GDPRStore.addToReceipt(id: request.id, step.name, count, on: connection, logger: logger) }
                    return count
                }
                if done < limit { break }
            }
        }
        let receipt = try await client.transaction(logger: logger) { connection -> [String: Int] in
            let receipt = try await GDPRStore.completeDeletion(id: request.id, on: connection, logger: logger)
            let formatter = ISO8601DateFormatter()
            let content = DeletionConfirmationEmail(completedAt: formatter.string(from: Date()), tables: receipt.sorted { $0.key < $1.key }
                .map { DeletionConfirmationEmail.TableCount(table: $0.key, rows: $0.value) })
            _ = try await JobStore.insert(try NewJob(SendEmailJob.self, SendEmailJob.Args(content, to: EmailAddress(email))),
                                          on: connection, logger: logger)
            return receipt
        }
        return try .success(receipt)
    }

    /// Workspaces the user is the only Owner of: the next Admin (else the longest member) becomes
    /// Owner under `transfer`; with `delete`, or nobody left, the workspace is deleted.
    static func resolveOwnedWorkspaces(user: UUID, policy: String, on connection: PostgresConnection,
                                       logger: Logger) async throws -> [String: Int] {
        let rows = try await connection.query("""
            SELECT m.workspace_id FROM workspace_members m
            WHERE m.user_id = \(user) AND m.role = 'owner'
              AND NOT EXISTS (SELECT 1 FROM workspace_members o WHERE o.workspace_id = m.workspace_id AND o.role = 'owner' AND o.user_id <> \(user))
            """, logger: logger)
        var owned: [UUID] = []
        for try await id in rows.decode(UUID.self) { owned.append(id) }
        var counts = ["workspaces (transferred)": 0, "workspaces (deleted)": 0]
        for workspace in owned {
            if policy == "transfer" {
                let promoted = try await connection.query("""
                    UPDATE workspace_members SET role = 'owner' WHERE (workspace_id, user_id) = (
                        SELECT workspace_id, user_id FROM workspace_members WHERE workspace_id = \(workspace) AND user_id <> \(user)
                        ORDER BY role, created_at LIMIT 1)
                    RETURNING user_id
                    """, logger: logger)
                var successor = false
                for try await _ in promoted.decode(UUID.self) { successor = true }
                if successor {
                    counts["workspaces (transferred)", default: 0] += 1
                    continue
                }
            }
            try await connection.query("DELETE FROM workspaces WHERE id = \(workspace)", logger: logger)
            counts["workspaces (deleted)", default: 0] += 1
        }
        return counts
    }
}
