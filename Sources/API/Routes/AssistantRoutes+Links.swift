import Foundation
import Hummingbird
import Platform
import PostgresNIO

/// `/api/assistants/{id}/tools` and `/files`: what an assistant's model may call and the documents it
/// knows, each set as a whole from the same workspace's tools and files (another workspace's id is a
/// 422 and changes nothing). A deploy freezes both with the settings.
extension AssistantRoutes {
    static let maximumLinks = 64

    struct ToolIDsBody: Decodable {
        let toolIDs: [String]
        enum CodingKeys: String, CodingKey { case toolIDs = "tool_ids" }
    }

    struct FileIDsBody: Decodable {
        let fileIDs: [String]
        enum CodingKeys: String, CodingKey { case fileIDs = "file_ids" }
    }

    struct LinksView: ResponseEncodable {
        struct Item: Encodable {
            let id: String
            let name: String
            let enabled: Bool?
            let status: String?
        }
        let data: [Item]
    }

    /// Link ids as given under `field`: at most `maximumLinks`, each a UUID.
    static func linkIDs(_ texts: [String], field: String) throws -> [UUID] {
        guard texts.count <= Self.maximumLinks else { throw APIError.validation(field: field, "must list at most \(Self.maximumLinks) ids") }
        return try texts.map { text in
            guard let uuid = UUID(uuidString: text) else { throw APIError.validation(field: field, "must be ids (UUIDs)") }
            return uuid
        }
    }

    static func toolsView(_ tools: [Tool]) -> LinksView {
        LinksView(data: tools.map { .init(id: $0.id.idString, name: $0.name, enabled: $0.enabled, status: nil) })
    }

    static func filesView(_ files: [(id: UUID, name: String, status: String)]) -> LinksView {
        LinksView(data: files.map { .init(id: $0.id.idString, name: $0.name, enabled: nil, status: $0.status) })
    }

    /// The assistant of the path in the caller's workspace, or a 404.
    func requireAssistant(_ id: UUID, _ access: WorkspaceAccess, on connection: PostgresConnection) async throws {
        guard try await AssistantStore.assistant(workspaceID: access.workspaceID, id: id, on: connection, logger: database.logger) != nil else {
            throw APIError.notFound("assistant")
        }
    }

    @Sendable func tools(_ request: Request, context: APIRequestContext) async throws -> LinksView {
        let access = try await accessControl.admit(request, context, requiring: .assistantsRead)
        let id = try PathParameter.uuid(context, "assistant")
        let logger = database.logger
        return Self.toolsView(try await database.read { connection in
            try await requireAssistant(id, access, on: connection)
            return try await AssistantToolStore.tools(assistantID: id, workspaceID: access.workspaceID, enabledOnly: false, on: connection,
                                                      logger: logger)
        })
    }

    @Sendable func setTools(_ request: Request, context: APIRequestContext) async throws -> LinksView {
        let access = try await accessControl.admit(request, context, requiring: .assistantsWrite)
        let id = try PathParameter.uuid(context, "assistant")
        let body = try await RequestBody.decode(ToolIDsBody.self, from: request, context: context, allowedKeys: ["tool_ids"])
        let toolIDs = try Self.linkIDs(body.toolIDs, field: "tool_ids")
        let logger = database.logger
        return Self.toolsView(try await database.write { transaction in
            let connection = transaction.connection
            try await requireAssistant(id, access, on: connection)
            do {
                try await AssistantToolStore.set(assistantID: id, workspaceID: access.workspaceID, toolIDs: toolIDs, on: connection, logger: logger)
            } catch let unknown as AssistantToolStore.UnknownTools {
                throw APIError.validation(field: "tool_ids", "not tools of this workspace: \(unknown.ids.map(\.idString).joined(separator: ", "))")
            }
            try await AuditLog.record(access.audit("assistant.tools", "assistant", id.idString, details: ["tools": String(toolIDs.count)]),
                                      on: connection, logger: logger)
            return try await AssistantToolStore.tools(assistantID: id, workspaceID: access.workspaceID, enabledOnly: false, on: connection,
                                                      logger: logger)
        })
    }

    @Sendable func files(_ request: Request, context: APIRequestContext) async throws -> LinksView {
        let access = try await accessControl.admit(request, context, requiring: .assistantsRead)
        let id = try PathParameter.uuid(context, "assistant")
        let logger = database.logger
        return Self.filesView(try await database.read { connection in
            try await requireAssistant(id, access, on: connection)
            return try await KnowledgeStore.files(assistantID: id, workspaceID: access.workspaceID, on: connection, logger: logger)
        })
    }

    @Sendable func setFiles(_ request: Request, context: APIRequestContext) async throws -> LinksView {
        let access = try await accessControl.admit(request, context, requiring: .assistantsWrite)
        let id = try PathParameter.uuid(context, "assistant")
        let body = try await RequestBody.decode(FileIDsBody.self, from: request, context: context, allowedKeys: ["file_ids"])
        let fileIDs = try Self.linkIDs(body.fileIDs, field: "file_ids")
        let logger = database.logger
        return Self.filesView(try await database.write { transaction in
            let connection = transaction.connection
            try await requireAssistant(id, access, on: connection)
            do {
                try await KnowledgeStore.link(assistantID: id, workspaceID: access.workspaceID, fileIDs: fileIDs, on: connection, logger: logger)
            } catch let unknown as KnowledgeStore.UnknownFiles {
                throw APIError.validation(field: "file_ids", "not files of this workspace: \(unknown.ids.map(\.idString).joined(separator: ", "))")
            }
            try await AuditLog.record(access.audit("assistant.files", "assistant", id.idString, details: ["files": String(fileIDs.count)]),
                                      on: connection, logger: logger)
            return try await KnowledgeStore.files(assistantID: id, workspaceID: access.workspaceID, on: connection, logger: logger)
        })
    }
}
