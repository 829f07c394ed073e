import Foundation
import Hummingbird
import Platform
import ServerSupport

/// `GET /api/calls/{id}/transcript`: the conversation of a call turn by turn (what the caller said,
/// what the assistant answered, the tools it called, timings and tokens) and its analysis once made.
extension CallRoutes {
    struct TranscriptView: ResponseEncodable {
        struct Turn: Encodable {
            let sequence: Int
            let callerText: String?
            let callerConfidence: Double?
            let assistantText: String
            let toolCalls: JSONValue
            let action: String
            let outcome: String
            let failureReason: String?
            let model: String?
            let inputTokens, outputTokens: Int
            let firstTokenMS, latencyMS: Int?
            let createdAt: Date
            /// On a streamed call the caller interrupted: the part of the reply they heard.
            let interrupted: Bool
            let heardText: String?
            /// On a streamed call: speech to text, the voice's first audio, and the caller's last
            /// voiced frame to the reply's first frame sent.
            let transcriptionMS, firstAudioMS, voiceToVoiceMS: Int?

            init(_ turn: ConversationTurn) {
                sequence = turn.sequence
                callerText = turn.callerText
                callerConfidence = turn.callerConfidence
                assistantText = turn.assistantText
                toolCalls = turn.toolCalls
                action = turn.action.rawValue
                outcome = turn.outcome.rawValue
                failureReason = turn.failureReason
                model = turn.model
                inputTokens = turn.inputTokens
                outputTokens = turn.outputTokens
                firstTokenMS = turn.firstTokenMS
                latencyMS = turn.latencyMS
                createdAt = turn.createdAt
                interrupted = turn.interrupted
                heardText = turn.heardText
                transcriptionMS = turn.voice.transcriptionMS
                firstAudioMS = turn.voice.firstAudioMS
                voiceToVoiceMS = turn.voice.voiceToVoiceMS
            }
        }

        let callID: String
        let assistantVersion: Int?
        let status: String
        let greeting: String
        let turns: [Turn]
        let analysis: CallAnalysis?
    }

    @Sendable func transcript(_ request: Request, context: APIRequestContext) async throws -> TranscriptView {
        let access = try await accessControl.admit(request, context, requiring: .callsRead)
        let id = try PathParameter.uuid(context, "call")
        let logger = database.logger
        return try await database.read { connection in
            guard try await CallStore.call(workspaceID: access.workspaceID, id: id, on: connection, logger: logger) != nil else {
                throw APIError.notFound("call")
            }
            guard let conversation = try await ConversationStore.conversation(callID: id, on: connection, logger: logger) else {
                throw APIError.notFound("transcript")
            }
            let turns = try await ConversationStore.turns(conversationID: conversation.id, on: connection, logger: logger)
            return TranscriptView(callID: id.idString, assistantVersion: conversation.assistantVersion, status: conversation.status,
                                  greeting: conversation.greeting, turns: turns.map(TranscriptView.Turn.init),
                                  analysis: try await CallAnalysis.load(conversationID: conversation.id, on: connection, logger: logger))
        }
    }
}
