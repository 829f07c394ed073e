import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Platform
import Providers
import QueueEngine

extension HTTPField.Name {
    static let twilioSignature = HTTPField.Name("X-Twilio-Signature")!
}

/// `/webhooks/twilio/*`: what Twilio calls back. Every request must carry a valid
/// `X-Twilio-Signature` over `PUBLIC_BASE_URL` + the requested path and query and its form
/// parameters; an unsigned or altered request is refused with 403 and changes nothing.
struct TwilioWebhookRoutes {
    let database: APIDatabase
    let providers: PlatformProviders
    /// Seals the media stream's per-call token.
    let sealer: SecretSealer
    /// Twilio's callbacks are small; anything larger is not one.
    static let maximumBody = 64 << 10

    func add(to router: Router<APIRequestContext>) {
        router.post("webhooks/twilio/status", use: status)
        router.post("webhooks/twilio/voice", use: voice)
        router.post("webhooks/twilio/recording", use: recording)
        router.post("webhooks/twilio/turn", use: turn)
    }

    /// What Twilio does when a call connects. An outbound call (`?call=` from its dial job) hears its
    /// assistant; an inbound call is routed by the called number to the assistant bound to it, and
    /// becomes a call row, unless the number has none, the workspace is at its limit of live calls, or
    /// its credits do not cover a call (then Twilio rejects it unanswered, free of charge).
    @Sendable func voice(_ request: Request, context: APIRequestContext) async throws -> Response {
        let form = try await verifiedForm(request, context: context)
        @Sendable func value(_ name: String) -> String? { FormURLEncoding.value(name, in: form) }
        let callID = request.uri.queryParameters["call"].flatMap { UUID(uuidString: String($0)) }
        let settings = providers.calls
        let streamed = providers.transport == .stream
        // An external stream server (`MEDIA_STREAM_URL` on the gather transport) gets the call's ids;
        // this API's own stream (the stream transport) a sealed token per call.
        let stream = streamed ? MediaStreamRoutes.url(providers: providers) : providers.twilio?.configuration.mediaStreamURL
        let sealer = self.sealer
        let publicBaseURL = providers.twilio?.configuration.publicBaseURL ?? ""
        let recordingCallback = publicBaseURL + "/webhooks/twilio/recording"
        let engine = providers.conversationEngine
        let logger = database.logger
        let twiml = try await database.write { transaction -> String in
            let connection = transaction.connection
            // An outbound call is recorded by its dial request (`Record`); an inbound one from its answer.
            // Without a media stream, an assistant whose model this deployment has converses turn by turn.
            // The call runs the deployed version it starts with (a draft assistant's current settings).
            func answer(_ assistant: AssistantRecord, call: UUID, inbound: Bool = false) async throws -> String {
                let live = try await LiveAssistant.current(assistant, on: connection, logger: logger)
                let settings = live.settings
                var gather: TwiML.Gather?
                let converses = engine.canConverse(settings) && (stream == nil || streamed)
                if converses {
                    _ = try await ConversationStore.forCall(workspaceID: assistant.workspaceID, assistantID: assistant.id, version: live.version,
                                                            callID: call, greeting: settings.firstMessage, on: connection, logger: logger)
                }
                if converses, stream == nil { gather = Self.gather(publicBaseURL: publicBaseURL, call: call, turn: 1, settings: settings) }
                let parameters = streamed ? [("token", try MediaStreamRoutes.token(call: call, callSID: value("CallSid") ?? "", sealer: sealer))]
                    : [("call_id", call.idString), ("assistant_id", assistant.id.idString)]
                return TwiML.greeting(
                    // On this API's stream the assistant greets in its own voice.
                    streamed ? "" : settings.firstMessage, language: settings.language,
                    voice: TwiML.voice(provider: settings.voiceProvider, id: settings.voiceID),
                    stream: stream.map { TwiML.StreamTarget(url: $0, parameters: parameters) },
                    gather: gather, recordingCallback: inbound && settings.recordCalls ? recordingCallback : nil)
            }
            if let callID {
                guard let call = try await CallStore.call(id: callID, on: connection, logger: logger), let assistantID = call.assistantID,
                      let assistant = try await AssistantStore.assistant(workspaceID: call.workspaceID, id: assistantID, on: connection,
                                                                         logger: logger)
                else { return TwiML.unavailable("This call cannot be connected.") }
                return try await answer(assistant, call: call.id)
            }
            guard let sid = value("CallSid"), let to = value("To"), let from = value("From") else {
                throw APIError.validation(field: "CallSid", "CallSid, To and From are required")
            }
            guard let number = try await PhoneNumberStore.holder(of: to, on: connection, logger: logger), let assistantID = number.assistantID,
                  let assistant = try await AssistantStore.assistant(workspaceID: number.workspaceID, id: assistantID, on: connection,
                                                                     logger: logger),
                  assistant.status == "deployed"
            else { return TwiML.unavailable("This number is not in service.") }
            let live = try await CallStore.liveCount(workspaceID: number.workspaceID, on: connection, logger: logger)
            let balance = try await CreditStore.account(workspaceID: number.workspaceID, on: connection, logger: logger).balance
            let refusal = settings.refusal(liveCalls: live, balance: balance)
            let call = try await CallStore.createInbound(workspaceID: number.workspaceID, assistantID: assistantID, to: to, from: from,
                                                         callSID: sid, status: refusal == nil ? .ringing : .rejected, reason: refusal?.description,
                                                         on: connection, logger: logger)
            switch refusal {
            case .atConcurrencyLimit?: return TwiML.reject(reason: "busy")
            case .insufficientCredits?: return TwiML.reject(reason: "rejected")
            case nil: return try await answer(assistant, call: call.id, inbound: true)
            }
        }
        return Response(status: .ok, headers: [.contentType: "application/xml"], body: .init(byteBuffer: ByteBuffer(string: twiml)))
    }

    /// A count Twilio sends (a sequence number, seconds of a call): what the database's `integer`
    /// columns hold; anything else is a 422, never a 500.
    static func count(_ text: String?, field: String) throws -> Int? {
        guard let text, !text.isEmpty else { return nil }
        guard let value = Int32(text), value >= 0 else { throw APIError.validation(field: field, "must be a whole number from 0 to 2147483647") }
        return Int(value)
    }

    /// A call's status callback: moves the call on (never backwards), stores duration and recording,
    /// and charges a completed call once.
    @Sendable func status(_ request: Request, context: APIRequestContext) async throws -> Response {
        let form = try await verifiedForm(request, context: context)
        @Sendable func value(_ name: String) -> String? { FormURLEncoding.value(name, in: form) }
        guard let sid = value("CallSid"), !sid.isEmpty else { throw APIError.validation(field: "CallSid", "is required") }
        guard let statusText = value("CallStatus"), let status = CallStatus(rawValue: statusText), status.rank >= CallStatus.queued.rank
        else { throw APIError.validation(field: "CallStatus", "is not a Twilio call status") }
        let update = CallStore.StatusUpdate(
            callSID: sid, status: status, sequence: try Self.count(value("SequenceNumber"), field: "SequenceNumber"),
            durationSeconds: try Self.count(value("CallDuration"), field: "CallDuration"),
            recordingURL: value("RecordingUrl"), recordingSID: value("RecordingSid"))
        let callID = request.uri.queryParameters["call"].flatMap { UUID(uuidString: String($0)) }
        let settings = providers.calls
        let logger = database.logger
        let change = try await database.write { transaction -> CallStore.StatusChange in
            let change = try await CallStore.apply(update, callID: callID, on: transaction.connection, logger: logger)
            if case .applied(let call, let endedNow) = change {
                try await CallBilling.settle(call, settings: settings, on: transaction.connection, logger: logger)
                if endedNow, let settled = try await CallStore.call(id: call.id, on: transaction.connection, logger: logger) {
                    try await WebhookEvents.callEnded(settled, on: transaction.connection, logger: logger)
                    try await Self.conversationEnded(settled, in: transaction, logger: logger)
                }
                // A finished call with a recording gets transcribed, once (the unique key) however often Twilio repeats itself.
                if call.status.isFinal, call.recordingURL != nil { try await Self.transcribe(call, in: transaction) }
            }
            return change
        }
        if case .unknownCall = change {
            logger.warning("status callback for an unknown call", metadata: ["call.sid": "\(sid)"])
            throw APIError.notFound("call")
        }
        return Response(status: .noContent)
    }

    /// Twilio's recording status callback for a call recorded from its TwiML answer: a completed
    /// recording is stored on the call, and a call that has ended gets its transcription job (once,
    /// whichever of this and the final status callback comes last). Other recording statuses change nothing.
    @Sendable func recording(_ request: Request, context: APIRequestContext) async throws -> Response {
        let form = try await verifiedForm(request, context: context)
        @Sendable func value(_ name: String) -> String? { FormURLEncoding.value(name, in: form) }
        guard let sid = value("CallSid") else { throw APIError.validation(field: "CallSid", "is required") }
        guard value("RecordingStatus") == "completed", let url = value("RecordingUrl"), let recordingSID = value("RecordingSid") else {
            return Response(status: .noContent)
        }
        let logger = database.logger
        try await database.write { transaction in
            guard let call = try await CallStore.attachRecording(callSID: sid, url: url, recordingSID: recordingSID, on: transaction.connection,
                                                                 logger: logger)
            else { throw APIError.notFound("call") }
            if call.status.isFinal, call.transcriptText == nil { try await Self.transcribe(call, in: transaction) }
        }
        return Response(status: .noContent)
    }

    /// A call that conversed has ended: its conversation ends, its turns are charged (once), and one
    /// that heard the caller gets analysed (once, the unique key).
    static func conversationEnded(_ call: CallRecord, in transaction: JobTransaction, logger: Logger) async throws {
        let connection = transaction.connection
        guard let conversation = try await ConversationStore.conversation(callID: call.id, on: connection, logger: logger) else { return }
        try await ConversationStore.end(id: conversation.id, reason: "call \(call.status.rawValue)", on: connection, logger: logger)
        try await ConversationBilling.settle(conversationID: conversation.id, on: connection, logger: logger)
        guard try await ConversationStore.hasCallerTurns(conversationID: conversation.id, on: connection, logger: logger) else { return }
        try await transaction.enqueue(AnalyzeCallJob.self, AnalyzeCallJob.Args(callID: call.id), options: JobOptions(
            uniqueKey: "analyze:\(call.id.uuidString.lowercased())", workspaceID: call.workspaceID.uuidString.lowercased()))
    }

    /// Enqueues a finished call's transcription; the unique key makes repeated callbacks enqueue it once.
    static func transcribe(_ call: CallRecord, in transaction: JobTransaction) async throws {
        try await transaction.enqueue(TranscribeCallJob.self, TranscribeCallJob.Args(callID: call.id), options: JobOptions(
            uniqueKey: "transcribe:\(call.id.uuidString.lowercased())", workspaceID: call.workspaceID.uuidString.lowercased()))
    }

    /// The form parameters of a request whose Twilio signature verifies.
    func verifiedForm(_ request: Request, context: APIRequestContext) async throws -> [(String, String)] {
        guard let twilio = providers.twilio else {
            throw APIError(.forbidden, .forbidden, "no Twilio account is configured to sign webhooks")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: Self.maximumBody)
        } catch {
            throw APIError(.contentTooLarge, .payloadTooLarge, "a Twilio webhook body is at most \(Self.maximumBody) bytes")
        }
        let url = twilio.configuration.publicBaseURL + request.uri.description
        guard let form = FormURLEncoding.decode(String(buffer: buffer)),
              TwilioSignature.isValid(request.headers[.twilioSignature], authToken: twilio.configuration.authToken, url: url, parameters: form)
        else {
            throw APIError(.forbidden, .forbidden, "the X-Twilio-Signature does not verify")
        }
        return form
    }
}
