import Foundation
import HTTPTypes
import Hummingbird
import Jobs
import Logging

extension HTTPField.Name {
    static let twilioSignature = HTTPField.Name("X-Twilio-Signature")!
}

/// `/webhooks/twilio/*`: what Twilio calls back. Every request must carry a valid
/// `X-Twilio-Signature` over `PUBLIC_BASE_URL` + the requested path and query and its form
/// parameters; an unsigned or altered request is refused with 403 and changes nothing.
struct TwilioWebhookRoutes {
    let services: APIServices
    /// Twilio's callbacks are small; anything larger is not one.
    static let maximumBody = 64 << 10

    func add(to router: Router<APIRequestContext>) {
        router.post("webhooks/twilio/status", use: status)
    }

    /// A call's status callback: moves the call on (never backwards), stores duration and recording,
    /// and charges a completed call once.
    @Sendable func status(_ request: Request, context: APIRequestContext) async throws -> Response {
        let form = try await verifiedForm(request, context: context)
        func value(_ name: String) -> String? { form.first(where: { $0.0 == name })?.1 }
        guard let sid = value("CallSid"), !sid.isEmpty else { throw APIError.validation(field: "CallSid", "is required") }
        guard let statusText = value("CallStatus"), let status = CallStatus(rawValue: statusText), status.rank >= CallStatus.queued.rank
        else { throw APIError.validation(field: "CallStatus", "is not a Twilio call status") }
        let update = CallStore.StatusUpdate(
            callSID: sid, status: status, sequence: value("SequenceNumber").flatMap { Int($0) },
            durationSeconds: value("CallDuration").flatMap { Int($0) },
            recordingURL: value("RecordingUrl"), recordingSID: value("RecordingSid"))
        let callID = request.uri.queryParameters["call"].flatMap { UUID(uuidString: String($0)) }
        let settings = services.configuration.providers.calls
        let logger = services.logger
        let change = try await services.write { transaction -> CallStore.StatusChange in
            let change = try await CallStore.apply(update, callID: callID, on: transaction.connection, logger: logger)
            if case .applied(let call, _) = change {
                try await CallBilling.settle(call, settings: settings, on: transaction.connection, logger: logger)
            }
            return change
        }
        if case .unknownCall = change {
            logger.warning("status callback for an unknown call", metadata: ["call.sid": "\(sid)"])
            throw APIError.notFound("call")
        }
        return Response(status: .noContent)
    }

    /// The form parameters of a request whose Twilio signature verifies.
    func verifiedForm(_ request: Request, context: APIRequestContext) async throws -> [(String, String)] {
        guard let twilio = services.configuration.providers.twilio else {
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
