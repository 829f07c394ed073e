import Foundation
import Hummingbird
import HummingbirdTesting
import Jobs
import Platform
import Providers
import Synchronization

/// A local stand-in for Twilio's Calls resource (REST API 2010-04-01), written from Twilio's published
/// API: form-encoded requests with HTTP Basic auth, Call JSON with `sid`/`status`/`date_created`,
/// errors as `{"code", "message", "more_info", "status"}`, and the list filters `To`, `From` and
/// `StartTime>=`. Each create request takes the next scripted behaviour (default: success).
final class TwilioStandIn: Sendable {
    static let accountSID = "AC" + String(repeating: "0", count: 32)
    static let authToken = "stand-in-auth-token"

    enum Behaviour: Sendable {
        case create
        /// An error answer; nothing is created.
        case fail(status: Int, code: Int, message: String)
        /// The call is created, but the answer comes only after `delay` (longer than the client waits).
        case createThenStall(delay: Duration)
    }

    struct Call: Sendable {
        var sid: String
        var to: String
        var from: String
        var status: String
        var created: Date
    }

    private struct State {
        var script: [Behaviour] = []
        var calls: [Call] = []
        /// Every create request's form, in order (including refused ones).
        var createRequests: [[(String, String)]] = []
        var lookups = 0
        var updates: [(sid: String, status: String)] = []
        /// Recordings by SID (served as `…/Recordings/{sid}.mp3`).
        var recordings: [String: Data] = [:]
    }

    private let state = Mutex(State())

    func script(_ behaviours: Behaviour...) { state.withLock { $0.script.append(contentsOf: behaviours) } }
    func addRecording(_ sid: String, _ audio: Data) { state.withLock { $0.recordings[sid] = audio } }
    var calls: [Call] { state.withLock { $0.calls } }
    var createRequests: [[(String, String)]] { state.withLock { $0.createRequests } }
    var lookups: Int { state.withLock { $0.lookups } }
    var updates: [(sid: String, status: String)] { state.withLock { $0.updates } }

    /// Runs the stand-in on a loopback port for the duration of `body`, which gets its base URL.
    func run(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        let base = "/2010-04-01/Accounts/:account"
        router.post("\(base)/Calls.json") { request, context in try await self.create(request, context) }
        router.get("\(base)/Calls.json") { request, context in try await self.list(request, context) }
        router.post("\(base)/Calls/:sid") { request, context in try await self.update(request, context) }
        router.get("\(base)/Recordings/:file") { request, context in try await self.recording(request, context) }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body("http://127.0.0.1:\(client.port ?? 0)")
        }
    }

    private func create(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        if let refusal = authenticate(request, context) { return refusal }
        let form = try await Self.form(request, context)
        func value(_ name: String) -> String? { FormURLEncoding.value(name, in: form) }
        let behaviour = state.withLock { state -> Behaviour in
            state.createRequests.append(form)
            return state.script.isEmpty ? .create : state.script.removeFirst()
        }
        guard let to = value("To"), let from = value("From") else {
            return Self.error(status: 400, code: 21201, message: "No 'To' number is specified")
        }
        switch behaviour {
        case .fail(let status, let code, let message):
            return Self.error(status: status, code: code, message: message)
        case .create, .createThenStall:
            let call = Call(sid: "CA" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased(), to: to, from: from,
                            status: "queued", created: Date())
            state.withLock { $0.calls.append(call) }
            if case .createThenStall(let delay) = behaviour { try await Task.sleep(for: delay) }
            return Self.json(status: .created, Self.resource(call))
        }
    }

    private func list(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        if let refusal = authenticate(request, context) { return refusal }
        let pairs = FormURLEncoding.decode(request.uri.query ?? "") ?? []
        func value(_ name: String) -> String? { FormURLEncoding.value(name, in: pairs) }
        let startDay = value("StartTime>")
        state.withLock { $0.lookups += 1 }
        let found = calls.filter { call in
            (value("To").map { call.to == $0 } ?? true) && (value("From").map { call.from == $0 } ?? true)
                && (startDay.map { Self.day(call.created) >= $0 } ?? true)
        }
        return Self.json(status: .ok, ["calls": found.reversed().map(Self.resource), "page": 0, "page_size": 50, "next_page_uri": NSNull()])
    }

    private func update(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        if let refusal = authenticate(request, context) { return refusal }
        let sid = (context.parameters.get("sid") ?? "").replacingOccurrences(of: ".json", with: "")
        let form = try await Self.form(request, context)
        guard let status = FormURLEncoding.value("Status", in: form) else {
            return Self.error(status: 400, code: 21218, message: "Invalid Status")
        }
        let updated = state.withLock { state -> Call? in
            guard let index = state.calls.firstIndex(where: { $0.sid == sid }) else { return nil }
            state.calls[index].status = status
            state.updates.append((sid, status))
            return state.calls[index]
        }
        guard let updated else { return Self.error(status: 404, code: 20404, message: "The requested resource was not found") }
        return Self.json(status: .ok, Self.resource(updated))
    }

    private func recording(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        if let refusal = authenticate(request, context) { return refusal }
        let file = context.parameters.get("file") ?? ""
        guard file.hasSuffix(".mp3"), let audio = state.withLock({ $0.recordings[String(file.dropLast(4))] }) else {
            return Self.error(status: 404, code: 20404, message: "The requested resource was not found")
        }
        return Response(status: .ok, headers: [.contentType: "audio/mpeg"], body: .init(byteBuffer: ByteBuffer(data: audio)))
    }

    /// HTTP Basic with the account SID and auth token, as Twilio requires (error 20003 otherwise).
    private func authenticate(_ request: Request, _ context: BasicRequestContext) -> Response? {
        let expected = "Basic " + Data("\(Self.accountSID):\(Self.authToken)".utf8).base64EncodedString()
        guard request.headers[.authorization] == expected, context.parameters.get("account") == Self.accountSID else {
            return Self.error(status: 401, code: 20003, message: "Authenticate")
        }
        return nil
    }

    private static func form(_ request: Request, _ context: BasicRequestContext) async throws -> [(String, String)] {
        let body = try await request.body.collect(upTo: 1 << 16)
        return FormURLEncoding.decode(String(buffer: body)) ?? []
    }

    static func resource(_ call: Call) -> [String: Any] {
        ["sid": call.sid, "account_sid": accountSID, "to": call.to, "from": call.from, "status": call.status,
         "direction": "outbound-api", "date_created": rfc2822(call.created), "duration": NSNull(), "price": NSNull(),
         "api_version": "2010-04-01", "uri": "/2010-04-01/Accounts/\(accountSID)/Calls/\(call.sid).json"]
    }

    static func error(status: Int, code: Int, message: String) -> Response {
        json(status: HTTPResponse.Status(code: status),
             ["code": code, "message": message, "more_info": "https://www.twilio.com/docs/errors/\(code)", "status": status])
    }

    static func json(status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: data)))
    }

    static func rfc2822(_ date: Date) -> String { format(date, "EEE, dd MMM yyyy HH:mm:ss Z") }

    static func day(_ date: Date) -> String { format(date, "yyyy-MM-dd") }

    static func format(_ date: Date, _ pattern: String) -> String {
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "UTC")
        format.dateFormat = pattern
        return format.string(from: date)
    }
}
