import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import Platform
import Providers
import ServerSupport
import Synchronization

/// `wss://…/media-streams/twilio`: the bidirectional media stream of a call on the `stream`
/// transport. Only Twilio, for that call, may attach: the upgrade must carry an
/// `X-Twilio-Signature` over the stream's URL that verifies, and within a few seconds and messages
/// the stream's `start` must carry the sealed token of the voice webhook's `<Parameter name="token">`
/// for a live call with the same Twilio call SID; anything else is closed at once and changes
/// nothing. Streams still waiting for their `start` are capped. The call then runs as a
/// `VoiceSession`.
struct MediaStreamRoutes: Sendable {
    static let path = "/media-streams/twilio"
    /// How long after the voice webhook answered a stream may attach.
    static let tokenLifetime: TimeInterval = 600
    /// Messages before `start` that a stream may send (Twilio sends one, `connected`), and how long.
    static let messagesBeforeStart = 4
    static let startDeadline: Duration = .seconds(5)
    /// Streams that may wait for their `start` at once, in this process.
    static let maximumWaiting = 64
    static let waiting = Mutex(0)

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

    /// The sealed token a call's stream presents: which call, Twilio's SID of it, until when.
    static func token(call: UUID, callSID: String, sealer: SecretSealer, now: Date = Date()) throws -> String {
        try sealer.token(["stream_call": call.idString, "call_sid": callSID, "expires": String(Int(now.timeIntervalSince1970 + tokenLifetime))])
    }

    /// The call a token names, if it is genuine, still valid and the stream's call is its call.
    static func call(of token: String, callSID: String, sealer: SecretSealer, now: Date = Date()) -> UUID? {
        guard let fields = try? sealer.openToken(token), let call = fields["stream_call"].flatMap(UUID.init(uuidString:)),
              fields["call_sid"] == callSID, let expires = fields["expires"].flatMap(TimeInterval.init), now.timeIntervalSince1970 < expires
        else { return nil }
        return call
    }

    /// Upgrades requests for the stream's path, on the stream transport, whose Twilio signature
    /// verifies, while fewer than `maximumWaiting` streams wait for their `start`.
    func shouldUpgrade(_ request: HTTPRequest, logger: Logger) -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        guard providers.transport == .stream, request.path.map({ String($0.split(separator: "?", maxSplits: 1)[0]) }) == Self.path,
              let twilio = providers.twilio?.configuration, let url = Self.url(providers: providers)
        else { return .dontUpgrade }
        guard TwilioSignature.isValid(request.headerFields[HTTPField.Name("X-Twilio-Signature")!], authToken: twilio.authToken, url: url,
                                      parameters: []) else {
            logger.warning("a media stream upgrade without a valid Twilio signature was refused")
            return .dontUpgrade
        }
        let admitted = Self.waiting.withLock { count in
            guard count < Self.maximumWaiting else { return false }
            count += 1
            return true
        }
        guard admitted else {
            logger.warning("a media stream upgrade was refused: too many streams wait for their start")
            return .dontUpgrade
        }
        return .upgrade([:]) { inbound, outbound, context in
            await self.run(inbound: inbound, outbound: outbound, logger: context.logger)
        }
    }

    /// The stream's `start`, within `messagesBeforeStart` messages.
    private static func awaitStart(_ messages: inout WebSocketInboundMessageStream.AsyncIterator) async -> MediaStreamEvent.Start? {
        for _ in 0..<messagesBeforeStart {
            guard case .text(let text)? = try? await messages.next(), let event = try? MediaStreamEvent(json: text) else { return nil }
            if case .start(let details) = event { return details }
        }
        return nil
    }

    /// Whether a stream's `start` came, for the watchdog that closes streams that send none.
    final class Started: Sendable {
        let value = Mutex(false)
    }

    private func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, logger: Logger) async {
        var messages = inbound.messages(maxSize: 64 << 10).makeAsyncIterator()
        // The stream's start, within a few messages and seconds, naming a live call with a genuine token.
        let started = Started()
        let watchdog = Task {
            try? await Task.sleep(for: Self.startDeadline)
            if !started.value.withLock({ $0 }) { try? await outbound.close(.policyViolation, reason: "no start in time") }
        }
        let start = await Self.awaitStart(&messages)
        started.value.withLock { $0 = true }
        watchdog.cancel()
        Self.waiting.withLock { $0 -= 1 }
        guard let start, let token = start.parameters["token"], let callID = Self.call(of: token, callSID: start.callSID, sealer: sealer),
              let (call, assistant) = try? await live(callID, callSID: start.callSID, streamSID: start.streamSID, logger: logger)
        else {
            logger.warning("a media stream without a valid start or token was closed")
            try? await outbound.close(.policyViolation, reason: "not a stream of a live call")
            return
        }
        let services = VoiceSession.Services(
            conversations: ConversationService(client: database.client, engine: providers.conversationEngine),
            recognizer: providers.speechRecognizer, voices: providers.voices)
        var sessionLogger = logger
        sessionLogger[metadataKey: "call.id"] = "\(call)"
        let streamSID = start.streamSID
        let session = VoiceSession(callID: call, streamSID: streamSID, assistant: assistant, services: services, logger: sessionLogger,
                                   send: { command in
            try? await outbound.write(.text(command.json(streamSID: streamSID)))
        }, hangUp: {
            try? await outbound.close(.normalClosure, reason: "the assistant ended the call")
        }, transfer: { [twilio = providers.twilio, callSID = start.callSID, logger = sessionLogger] number in
            // Twilio leaves the stream (it sends `stop`) for the dial.
            guard let twilio else { return false }
            do {
                _ = try await twilio.redirectCall(sid: callSID, twiml: TwiML.dial(number))
                return true
            } catch {
                logger.error("transferring a streamed call failed", metadata: ["error": "\(error)"])
                return false
            }
        })
        await session.handle(.start(start))
        while let message = try? await messages.next() {
            guard case .text(let text) = message, let event = try? MediaStreamEvent(json: text) else { continue }
            await session.handle(event)
            if event == .stop { break }
        }
        await session.end()
    }

    /// The call's id and the assistant its conversation talks as, when the call is live, its Twilio
    /// call SID is the stream's, and no other stream has claimed its conversation (a replayed upgrade).
    private func live(_ callID: UUID, callSID: String, streamSID: String, logger: Logger) async throws -> (UUID, AssistantSettings)? {
        try await database.write { transaction in
            let connection = transaction.connection
            guard let call = try await CallStore.call(id: callID, on: connection, logger: logger), !call.status.isFinal,
                  call.providerCallSID == nil || call.providerCallSID == callSID,
                  let conversation = try await ConversationStore.conversation(callID: callID, on: connection, logger: logger),
                  conversation.status == "active",
                  let assistant = try await LiveAssistant.of(conversation, on: connection, logger: logger),
                  try await ConversationStore.claimMediaStream(conversationID: conversation.id, streamSID: streamSID, on: connection,
                                                               logger: logger)
            else { return nil }
            return (call.id, assistant.settings)
        }
    }
}
