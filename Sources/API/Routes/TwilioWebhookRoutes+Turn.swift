import Foundation
import Hummingbird
import Platform
import Providers

/// `/webhooks/twilio/turn`: the turn-taking transport over `<Gather input="speech">`. Each turn's
/// URL carries the call and the turn's number, so a repeat of the same request (Twilio retrying, a
/// proxy replaying) is the same turn: one model call, one charge, the same TwiML.
extension TwilioWebhookRoutes {
    /// The longest turn number accepted; a call this long has long ended.
    static let maximumTurn = 100_000

    static func gather(publicBaseURL: String, call: UUID, turn: Int, settings: AssistantSettings) -> TwiML.Gather {
        TwiML.Gather(action: "\(publicBaseURL)/webhooks/twilio/turn?call=\(call.idString)&turn=\(turn)",
                     silenceSeconds: (settings.silenceTimeoutMS + 999) / 1_000)
    }

    /// What the caller said (`SpeechResult`, `Confidence`; nothing after a silence) becomes the turn;
    /// the answer says the assistant's reply and listens for the next one, or ends or transfers the call.
    @Sendable func turn(_ request: Request, context: APIRequestContext) async throws -> Response {
        let form = try await verifiedForm(request, context: context)
        @Sendable func value(_ name: String) -> String? { FormURLEncoding.value(name, in: form) }
        guard let callID = request.uri.queryParameters["call"].flatMap({ UUID(uuidString: String($0)) }) else {
            throw APIError.validation(field: "call", "must be the call's id")
        }
        guard let number = request.uri.queryParameters["turn"].flatMap({ Int(String($0)) }), (1...Self.maximumTurn).contains(number) else {
            throw APIError.validation(field: "turn", "must be a whole number from 1 to \(Self.maximumTurn)")
        }
        let confidence = value("Confidence").flatMap(Double.init).flatMap { $0.isFinite && (0...1).contains($0) ? $0 : nil }
        let logger = database.logger
        let service = ConversationService(client: database.client, engine: providers.conversationEngine)
        let answer = try await service.turn(requestKey: "gather:\(number)", callerText: value("SpeechResult"), confidence: confidence,
                                            logger: logger, lookup: ConversationService.call(callID, logger: logger))
        guard let (turn, assistant) = answer else { throw APIError.notFound("conversation") }
        let settings = assistant.settings
        let voice = TwiML.voice(provider: settings.voiceProvider, id: settings.voiceID)
        let twiml: String
        switch turn.action {
        case .continue:
            let next = Self.gather(publicBaseURL: providers.twilio?.configuration.publicBaseURL ?? "", call: callID, turn: number + 1,
                                   settings: settings)
            twiml = TwiML.reply(turn.assistantText, language: settings.language, voice: voice, gather: next)
        case .endCall:
            twiml = TwiML.farewell(turn.assistantText, language: settings.language, voice: voice)
        case .transferCall:
            twiml = TwiML.transfer(turn.assistantText, language: settings.language, voice: voice, to: turn.transferTo ?? "")
        }
        return Response(status: .ok, headers: [.contentType: "application/xml"], body: .init(byteBuffer: ByteBuffer(string: twiml)))
    }
}
