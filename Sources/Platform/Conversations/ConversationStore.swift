import Foundation
import Logging
import PostgresNIO
import ServerSupport

/// Conversations and their turns. A turn is claimed by its transport's request key before its model
/// runs, so a repeated request finds the turn (finished, or still running) instead of asking again.
public enum ConversationStore {
    static let turnColumns = """
        id, conversation_id, sequence, request_key, caller_text, caller_confidence, assistant_text, tool_calls::text, action,
        transfer_to, llm_provider, model, model_rounds, input_tokens, output_tokens, first_token_ms, latency_ms, outcome,
        failure_reason, cost, created_at, heard_text, interrupted, transcription_ms, first_audio_ms, voice_to_voice_ms
        """
    static let conversationColumns = "id, workspace_id, assistant_id, assistant_version, call_id, greeting, status"

    /// The conversation of a call, made when the call connects; a repeated voice webhook finds it.
    public static func forCall(workspaceID: UUID, assistantID: UUID?, version: Int?, callID: UUID, greeting: String,
                               on connection: PostgresConnection, logger: Logger) async throws -> ConversationRecord {
        let rows = try await connection.query("""
            INSERT INTO conversations (workspace_id, assistant_id, assistant_version, call_id, kind, greeting)
            VALUES (\(workspaceID), \(assistantID), \(version), \(callID), 'call', \(greeting))
            ON CONFLICT (call_id) DO UPDATE SET updated_at = now()
            RETURNING \(unescaped: conversationColumns)
            """, logger: logger)
        guard let record = try await decodeConversations(rows).first else { throw StoreInvariantError.insertReturnedNothing }
        return record
    }

    /// A conversation without telephony, to try `version` of an assistant (nil: its draft).
    public static func createTest(workspaceID: UUID, assistantID: UUID, version: Int?, greeting: String, on connection: PostgresConnection,
                                  logger: Logger) async throws -> ConversationRecord {
        let rows = try await connection.query("""
            INSERT INTO conversations (workspace_id, assistant_id, assistant_version, kind, greeting)
            VALUES (\(workspaceID), \(assistantID), \(version), 'test', \(greeting))
            RETURNING \(unescaped: conversationColumns)
            """, logger: logger)
        guard let record = try await decodeConversations(rows).first else { throw StoreInvariantError.insertReturnedNothing }
        return record
    }

    /// A test conversation of the workspace's assistant.
    public static func testConversation(workspaceID: UUID, assistantID: UUID, id: UUID, on connection: PostgresConnection,
                                        logger: Logger) async throws -> ConversationRecord? {
        try await decodeConversations(try await connection.query("""
            SELECT \(unescaped: conversationColumns) FROM conversations
            WHERE id = \(id) AND workspace_id = \(workspaceID) AND assistant_id = \(assistantID) AND kind = 'test'
            """, logger: logger)).first
    }

    public static func conversation(callID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> ConversationRecord? {
        try await decodeConversations(try await connection.query(
            "SELECT \(unescaped: conversationColumns) FROM conversations WHERE call_id = \(callID)", logger: logger)).first
    }

    /// Whether the caller said anything (a conversation worth analysing).
    public static func hasCallerTurns(conversationID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query("""
            SELECT EXISTS (SELECT 1 FROM conversation_turns WHERE conversation_id = \(conversationID) AND caller_text IS NOT NULL)
            """, logger: logger)
        for try await exists in rows.decode(Bool.self) { return exists }
        return false
    }

    public static func end(id: UUID, reason: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            UPDATE conversations SET status = 'ended', end_reason = \(reason), ended_at = now(), updated_at = now()
            WHERE id = \(id) AND status = 'active'
            """, logger: logger)
    }

    public enum Claim: Sendable {
        /// This request runs the turn.
        case claimed(id: Int64, sequence: Int)
        /// The same request came before; the turn as it stands (possibly still pending).
        case existing(ConversationTurn)
    }

    /// Claims the turn of `requestKey`, numbered after the conversation's last.
    public static func claimTurn(conversationID: UUID, workspaceID: UUID, requestKey: String, callerText: String?, confidence: Double?,
                                 on connection: PostgresConnection, logger: Logger) async throws -> Claim {
        let rows = try await connection.query("""
            INSERT INTO conversation_turns (conversation_id, workspace_id, sequence, request_key, caller_text, caller_confidence)
            VALUES (\(conversationID), \(workspaceID),
                    (SELECT coalesce(max(sequence), 0) + 1 FROM conversation_turns WHERE conversation_id = \(conversationID)),
                    \(requestKey), \(callerText), \(confidence))
            ON CONFLICT (conversation_id, request_key) DO NOTHING
            RETURNING id, sequence
            """, logger: logger)
        for try await (id, sequence) in rows.decode((Int64, Int).self) { return .claimed(id: id, sequence: sequence) }
        guard let turn = try await turn(conversationID: conversationID, requestKey: requestKey, on: connection, logger: logger) else {
            throw StoreInvariantError.insertReturnedNothing
        }
        return .existing(turn)
    }

    public static func turn(conversationID: UUID, requestKey: String, on connection: PostgresConnection,
                            logger: Logger) async throws -> ConversationTurn? {
        try await decodeTurns(try await connection.query("""
            SELECT \(unescaped: turnColumns) FROM conversation_turns WHERE conversation_id = \(conversationID) AND request_key = \(requestKey)
            """, logger: logger)).first
    }

    /// The finished turns in order (the transcript).
    public static func turns(conversationID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [ConversationTurn] {
        try await decodeTurns(try await connection.query("""
            SELECT \(unescaped: turnColumns) FROM conversation_turns
            WHERE conversation_id = \(conversationID) AND outcome <> 'pending'
            ORDER BY sequence, id
            """, logger: logger))
    }

    /// The finished turns numbered below `sequence`, in order: the model's history. Their tool calls
    /// are left out (an empty list): the prompt carries what was said, and parsing each turn's log
    /// again on every turn would cost more the longer the call runs.
    static func history(conversationID: UUID, before sequence: Int, on connection: PostgresConnection,
                        logger: Logger) async throws -> [ConversationTurn] {
        let columns = turnColumns.replacingOccurrences(of: "tool_calls::text", with: "'[]'::text AS tool_calls")
        return try await decodeTurns(try await connection.query("""
            SELECT \(unescaped: columns) FROM conversation_turns
            WHERE conversation_id = \(conversationID) AND outcome <> 'pending' AND sequence < \(sequence)
            ORDER BY sequence, id
            """, logger: logger))
    }

    /// Records that the caller interrupted a streamed reply after hearing `heard`.
    public static func recordInterruption(turnID: Int64, heard: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("UPDATE conversation_turns SET heard_text = \(heard), interrupted = true WHERE id = \(turnID)", logger: logger)
    }

    /// Claims an active conversation for the media stream `streamSID`; false when another stream has
    /// it (a call has one stream: Twilio does not reattach) or the conversation ended.
    public static func claimMediaStream(conversationID: UUID, streamSID: String, on connection: PostgresConnection,
                                        logger: Logger) async throws -> Bool {
        let rows = try await connection.query("""
            UPDATE conversations SET media_stream_sid = \(streamSID), updated_at = now()
            WHERE id = \(conversationID) AND status = 'active' AND media_stream_sid IS NULL
            RETURNING id
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// Removes a turn that a later one over more of the caller's words replaced (a streamed call).
    public static func removeTurn(id: Int64, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("DELETE FROM conversation_turns WHERE id = \(id)", logger: logger)
    }

    /// Stores the stages of a streamed turn once its first audio was sent.
    public static func recordTimings(turnID: Int64, _ timings: VoiceTimings, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            UPDATE conversation_turns SET transcription_ms = \(timings.transcriptionMS), first_audio_ms = \(timings.firstAudioMS),
                voice_to_voice_ms = \(timings.voiceToVoiceMS)
            WHERE id = \(turnID)
            """, logger: logger)
    }

    /// Stores what the claimed turn came to. With `locking`, the same statement locks the
    /// conversation's row and answers whether its call was charged already (`ConversationBilling`).
    @discardableResult
    static func complete(_ turn: ConversationTurn, locking conversationID: UUID?, on connection: PostgresConnection,
                         logger: Logger) async throws -> Bool {
        let rows = try await connection.query("""
            WITH locked AS (SELECT charged_at IS NOT NULL AS charged FROM conversations WHERE id = \(conversationID) FOR UPDATE),
            stored AS (
                UPDATE conversation_turns SET assistant_text = \(turn.assistantText), tool_calls = \(turn.toolCalls.text)::jsonb,
                    action = \(turn.action.rawValue), transfer_to = \(turn.transferTo), llm_provider = \(turn.provider), model = \(turn.model),
                    model_rounds = \(turn.modelRounds), input_tokens = \(turn.inputTokens), output_tokens = \(turn.outputTokens),
                    first_token_ms = \(turn.firstTokenMS), latency_ms = \(turn.latencyMS), outcome = \(turn.outcome.rawValue),
                    failure_reason = \(turn.failureReason), cost = \(turn.cost), completed_at = now()
                WHERE id = \(turn.id) AND outcome = 'pending'
                RETURNING id)
            SELECT coalesce((SELECT charged FROM locked), false)
            """, logger: logger)
        var charged = false
        for try await value in rows.decode(Bool.self) { charged = value }
        return charged
    }

    static func decodeConversations(_ rows: PostgresRowSequence) async throws -> [ConversationRecord] {
        var records: [ConversationRecord] = []
        for try await (id, workspace, assistant, version, call, greeting, status)
            in rows.decode((UUID, UUID, UUID?, Int?, UUID?, String, String).self) {
            records.append(ConversationRecord(id: id, workspaceID: workspace, assistantID: assistant, assistantVersion: version, callID: call,
                                              greeting: greeting, status: status))
        }
        return records
    }

    static func decodeTurns(_ rows: PostgresRowSequence) async throws -> [ConversationTurn] {
        var turns: [ConversationTurn] = []
        for try await row in rows {
            let r = row.makeRandomAccess()
            func value<T: PostgresDecodable>(_ name: String, _ type: T.Type = T.self) throws -> T { try r[name].decode(T.self, context: .default) }
            var turn = ConversationTurn(
                id: try value("id"), conversationID: try value("conversation_id"), sequence: try value("sequence"),
                requestKey: try value("request_key"), callerText: try value("caller_text"), callerConfidence: try value("caller_confidence"),
                assistantText: try value("assistant_text"), toolCalls: JSONValue(text: try value("tool_calls", String.self)),
                action: ConversationTurn.Action(rawValue: try value("action")) ?? .continue, transferTo: try value("transfer_to"),
                provider: try value("llm_provider"), model: try value("model"), modelRounds: try value("model_rounds"),
                inputTokens: try value("input_tokens"), outputTokens: try value("output_tokens"), firstTokenMS: try value("first_token_ms"),
                latencyMS: try value("latency_ms"), outcome: ConversationTurn.Outcome(rawValue: try value("outcome")) ?? .failed,
                failureReason: try value("failure_reason"), cost: try value("cost"), createdAt: try value("created_at"))
            turn.heardText = try value("heard_text")
            turn.interrupted = try value("interrupted")
            turn.voice = VoiceTimings(transcriptionMS: try value("transcription_ms"), firstAudioMS: try value("first_audio_ms"),
                                      voiceToVoiceMS: try value("voice_to_voice_ms"))
            turns.append(turn)
        }
        return turns
    }
}
