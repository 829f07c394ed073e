import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import Platform
import Providers

/// `wss://…/media-streams/twilio`: the bidirectional media stream of a call on the `stream`
/// transport. Only Twilio, for that call, may attach: a signed upgrade must verify
/// (`X-Twilio-Signature` over the stream's URL), and the stream's first messages must carry the
/// sealed per-call token of the voice webhook's `<Parameter name="token">` for a live call;
/// anything else is closed at once and changes nothing. The call then runs as a `VoiceSession`.
struct MediaStreamRoutes: Sendable {
    static let path = "/media-streams/twilio"
    /// How long after the voice webhook answered a stream may attach.
    static let tokenLifetime: TimeInterval = 600
    /// Messages before `start` that a stream may send (Twilio sends one, `connected`).
    static let messagesBeforeStart = 4

    let database: APIDatabase
    let providers: PlatformProviders
    let sealer: SecretSealer

    /// The stream's URL at this deployment: `MEDIA_STREAM_URL`, else the public base URL as `wss`.
    static func url(providers: PlatformProviders) -> String? {
        guard let twilio = providers.twilio?.configuration else { return nil }
        if let configured = twilio.mediaStreamURL { return configured }
        let base = twilio.publicBaseURL
        let socketBase = base.hasPrefix("https://") ? "wss://" + base.dropFirst(8) : "ws://" + base.dropFirst(base.hasPrefix("http://") ? 7 : 0)
        return socketBase + path
    }

    /// The sealed token a call's stream presents: which call, until when.
    static func token(call: UUID, sealer: SecretSealer, now: Date = Date()) throws -> String {
        try sealer.token(["stream_call": call.idString, "expires": String(Int(now.timeIntervalSince1970 + tokenLifetime))])
    }

    /// The call a token names, if it is genuine and still valid.
    static func call(of token: String, sealer: SecretSealer, now: Date = Date()) -> UUID? {
        guard let fields = try? sealer.openToken(token), let call = fields["stream_call"].flatMap(UUID.init(uuidString:)),
              let expires = fields["expires"].flatMap(TimeInterval.init), now.timeIntervalSince1970 < expires
        else { return nil }
        return call
    }

    /// Upgrades requests for the stream's path whose signature, when Twilio signs the upgrade, verifies.
    func shouldUpgrade(_ request: HTTPRequest, logger: Logger) -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        guard request.path.map({ String($0.split(separator: "?", maxSplits: 1)[0]) }) == Self.path,
              let twilio = providers.twilio?.configuration, let url = Self.url(providers: providers)
        else { return .dontUpgrade }
        if let signature = request.headerFields[HTTPField.Name("X-Twilio-Signature")!] {
            guard TwilioSignature.isValid(signature, authToken: twilio.authToken, url: url, parameters: []) else {
                logger.warning("a media stream upgrade's signature does not verify")
                return .dontUpgrade
            }
        }
        return .upgrade([:]) { inbound, outbound, context in
            await self.run(inbound: inbound, outbound: outbound, logger: context.logger)
        }
    }

    private func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, logger: Logger) async {
        var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
        // The stream's start, within a few messages, naming a live call with a genuine token.
        var start: MediaStreamEvent.Start?
        for _ in 0..<Self.messagesBeforeStart {
            guard case .text(let text)? = try? await messages.next(), let event = try? MediaStreamEvent(json: text) else { break }
            if case .start(let details) = event {
                start = details
                break
            }
        }
        guard let start, let token = start.parameters["token"], let callID = Self.call(of: token, sealer: sealer),
              let (call, assistant) = try? await live(callID, callSID: start.callSID, logger: logger)
        else {
            logger.warning("a media stream without a valid start or token was closed")
            try? await outbound.close(.policyViolation, reason: "not a stream of a live call")
            return
        }
        let services = VoiceSession.Services(
            conversations: ConversationService(client: database.client, engine: providers.conversationEngine),
            transcriber: UtteranceTranscriber(client: providers.transcription), voices: providers.voices)
        var sessionLogger = logger
        sessionLogger[metadataKey: "call.id"] = "\(call)"
        let streamSID = start.streamSID
        let session = VoiceSession(callID: call, assistant: assistant, services: services, logger: sessionLogger, send: { command in
            try? await outbound.write(.text(command.json(streamSID: streamSID)))
        }, hangUp: {
            try? await outbound.close(.normalClosure, reason: "the assistant ended the call")
        })
        await session.handle(.start(start))
        while let message = try? await messages.next() {
            guard case .text(let text) = message, let event = try? MediaStreamEvent(json: text) else { continue }
            await session.handle(event)
            if event == .stop { break }
        }
        await session.end()
    }

    /// The call's id and the assistant its conversation talks as, when the call is live and its
    /// Twilio call SID is the stream's.
    private func live(_ callID: UUID, callSID: String, logger: Logger) async throws -> (UUID, AssistantSettings)? {
        try await database.read { connection in
            guard let call = try await CallStore.call(id: callID, on: connection, logger: logger), !call.status.isFinal,
                  call.providerCallSID == nil || call.providerCallSID == callSID,
                  let conversation = try await ConversationStore.conversation(callID: callID, on: connection, logger: logger),
                  conversation.status == "active",
                  let assistant = try await LiveAssistant.of(conversation, on: connection, logger: logger)
            else { return nil }
            return (call.id, assistant.settings)
        }
    }
}
