import Foundation
import Hummingbird
import Platform

/// The chat panel: an assistant's builder talks with its draft or a deployed version in text, through
/// the same core as a call (prompt, tools, knowledge, model; the API's test conversations), and sees
/// each reply with its tool calls, tokens and time before deploying. Plain forms, no script.
extension DashboardRoutes {
    /// The longest conversation the panel shows in full.
    static let panelTurns = 200

    @Sendable func tryPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await signedIn(request, context) { signed, context in
            let (access, assistantID) = try await tryAccess(request, context)
            let logger = database.logger
            let (assistant, versions) = try await database.read { connection in
                guard let assistant = try await AssistantStore.assistant(workspaceID: access.workspaceID, id: assistantID, on: connection,
                                                                         logger: logger)
                else { throw APIError.notFound("assistant") }
                return (assistant, try await AssistantVersionStore.list(assistantID: assistantID, workspaceID: access.workspaceID,
                                                                        on: connection, logger: logger))
            }
            let base = Self.tryPath(access, assistantID)
            var values: [String: Any] = [
                "title": "Try \(assistant.settings.name)", "assistant_name": assistant.settings.name, "assistant_status": assistant.status,
                "model": "\(assistant.settings.llmProvider) \(assistant.settings.llmModel)", "base": base,
                "workspace_id": access.workspaceKey,
                "versions": versions.map { ["version": $0.version, "created_at": Self.time($0.createdAt)] },
            ]
            if let id = request.uri.queryParameters["conversation"].flatMap({ UUID(uuidString: String($0)) }) {
                let (conversation, turns) = try await AssistantRoutes.refusing {
                    try await conversations.transcript(workspaceID: access.workspaceID, assistantID: assistantID, id: id, logger: logger)
                }
                values["conversation"] = [
                    "id": id.idString, "greeting": conversation.greeting, "active": conversation.status == "active",
                    "version": conversation.assistantVersion.map { "version \($0)" } ?? "the draft",
                    "turns": turns.suffix(Self.panelTurns).map(Self.panelTurn),
                ] as [String: Any]
            }
            return pages.render("try", values, frame: signed.frame, headers: signed.headers)
        }
    }

    /// Starts a conversation with the chosen version (empty: the draft).
    @Sendable func tryStart(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await signedIn(request, context, checkingForm: true) { signed, context in
            let (access, assistantID) = try await tryAccess(request, context)
            let chosen = signed.form?.version ?? ""
            guard chosen.isEmpty || Int(chosen) != nil else { throw APIError.validation(field: "version", "must be a version number") }
            let conversation = try await AssistantRoutes.refusing {
                try await conversations.start(workspaceID: access.workspaceID, assistantID: assistantID, version: Int(chosen),
                                                           audit: { made in
                    access.audit("assistant.conversation", "assistant", assistantID.idString, details: ["conversation": made.id.idString])
                }, logger: database.logger)
            }
            return Self.redirect("\(Self.tryPath(access, assistantID))?conversation=\(conversation.id.idString)", signed)
        }
    }

    /// One turn of the conversation; the page shows the reply after the redirect.
    @Sendable func tryTurn(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await signedIn(request, context, checkingForm: true) { signed, context in
            let (access, assistantID) = try await tryAccess(request, context)
            let id = try PathParameter.uuid(context, "conversation")
            let text = try AssistantRoutes.turnText(signed.form?.text ?? "")
            _ = try await AssistantRoutes.refusing {
                try await conversations.turn(workspaceID: access.workspaceID, assistantID: assistantID, id: id, text: text,
                                                 requestKey: "dashboard:\(UUID().uuidString)", logger: database.logger)
            }
            return Self.redirect("\(Self.tryPath(access, assistantID))?conversation=\(id.idString)", signed)
        }
    }

    /// The panel's page of one assistant.
    static func tryPath(_ access: WorkspaceAccess, _ assistantID: UUID) -> String {
        "/dashboard/workspaces/\(access.workspaceKey)/assistants/\(assistantID.idString)/try"
    }

    /// The dashboard (Owners and Admins) and changing assistants, in the workspace of the path.
    func tryAccess(_ request: Request, _ context: APIRequestContext) async throws -> (WorkspaceAccess, UUID) {
        let access = try await accessControl.admit(request, context, workspace: try PathParameter.uuid(context, "workspace"), requiring: .dashboard)
        guard access.allows(.assistantsWrite) else { throw APIError.forbidden }
        return (access, try PathParameter.uuid(context, "assistant"))
    }

    static func panelTurn(_ turn: ConversationTurn) -> [String: Any] {
        let tools = (turn.toolCalls.array ?? []).map { call in
            ["name": call["name"]?.string ?? "?", "outcome": call["outcome"]?.string ?? "?"]
        }
        var row: [String: Any] = [
            "caller": turn.callerText ?? "(silence)", "assistant": turn.assistantText, "outcome": turn.outcome.rawValue,
            "failed": turn.outcome == .failed, "tools": tools, "has_tools": !tools.isEmpty,
            "tokens": turn.inputTokens + turn.outputTokens, "latency": turn.latencyMS.map { "\($0) ms" } ?? "",
            "ends": turn.action != .continue, "action": turn.action.rawValue,
        ]
        if let reason = turn.failureReason { row["reason"] = reason }
        return row
    }
}
