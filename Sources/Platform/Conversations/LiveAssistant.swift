import Foundation
import Logging
import PostgresNIO

/// The assistant a conversation talks as: the version the conversation started with, so edits and
/// deploys during a call do not change it, or the draft of an assistant never deployed.
public struct LiveAssistant: Sendable {
    public let id: UUID
    public let workspaceID: UUID
    public let version: Int?
    public let settings: AssistantSettings
    /// The frozen links of the version; nil for a draft (its current links).
    let toolIDs: [UUID]?
    let fileIDs: [UUID]?

    /// What a call to `assistant` starting now runs: its deployed version, else its draft.
    public static func current(_ assistant: AssistantRecord, on connection: PostgresConnection, logger: Logger) async throws -> LiveAssistant {
        if assistant.status == "deployed",
           let frozen = try await AssistantVersionStore.version(assistantID: assistant.id, workspaceID: assistant.workspaceID,
                                                                version: assistant.version, on: connection, logger: logger) {
            return LiveAssistant(frozen)
        }
        return LiveAssistant(id: assistant.id, workspaceID: assistant.workspaceID, version: nil, settings: assistant.settings, toolIDs: nil,
                             fileIDs: nil)
    }

    /// What `conversation` runs; nil when its assistant is gone.
    public static func of(_ conversation: ConversationRecord, on connection: PostgresConnection, logger: Logger) async throws -> LiveAssistant? {
        guard let assistantID = conversation.assistantID else { return nil }
        if let version = conversation.assistantVersion {
            return try await AssistantVersionStore.version(assistantID: assistantID, workspaceID: conversation.workspaceID, version: version,
                                                           on: connection, logger: logger).map(LiveAssistant.init)
        }
        guard let draft = try await AssistantStore.assistant(workspaceID: conversation.workspaceID, id: assistantID, on: connection,
                                                             logger: logger) else { return nil }
        return LiveAssistant(id: draft.id, workspaceID: draft.workspaceID, version: nil, settings: draft.settings, toolIDs: nil, fileIDs: nil)
    }

    init(id: UUID, workspaceID: UUID, version: Int?, settings: AssistantSettings, toolIDs: [UUID]?, fileIDs: [UUID]?) {
        self.id = id
        self.workspaceID = workspaceID
        self.version = version
        self.settings = settings
        self.toolIDs = toolIDs
        self.fileIDs = fileIDs
    }

    init(_ version: AssistantVersion) {
        self.init(id: version.assistantID, workspaceID: version.workspaceID, version: version.version, settings: version.settings,
                  toolIDs: version.toolIDs, fileIDs: version.fileIDs)
    }

    /// The enabled tools a turn offers: the version's links (tools of the workspace that still exist) or the draft's.
    func tools(on connection: PostgresConnection, logger: Logger) async throws -> [Tool] {
        guard let toolIDs else {
            return try await AssistantToolStore.tools(assistantID: id, workspaceID: workspaceID, enabledOnly: true, on: connection, logger: logger)
        }
        guard !toolIDs.isEmpty else { return [] }
        return try await ToolStore.tools(workspaceID: workspaceID, ids: toolIDs, on: connection, logger: logger).filter(\.enabled)
    }

    /// The documents a turn searches.
    func documents(on connection: PostgresConnection, logger: Logger) async throws -> [UUID] {
        if let fileIDs { return fileIDs }
        return try await KnowledgeStore.fileIDs(assistantID: id, on: connection, logger: logger)
    }
}
