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
        /// Calls given new TwiML (`Twiml`), in order.
        var redirects: [(sid: String, twiml: String)] = []
        /// Recordings by SID (served as `…/Recordings/{sid}.mp3`).
        var recordings: [String: Data] = [:]
        /// The account's numbers (IncomingPhoneNumbers) by number, and the numbers on offer.
        var numbers: [String: IncomingNumber] = [:]
        var offered: [String] = []
        var purchases: [String] = []
    }

    struct IncomingNumber: Sendable {
        var sid: String
        var number: String
        var voiceURL: String
        var statusCallback: String
    }

    private let state = Mutex(State())

    func script(_ behaviours: Behaviour...) { state.withLock { $0.script.append(contentsOf: behaviours) } }
    func addRecording(_ sid: String, _ audio: Data) { state.withLock { $0.recordings[sid] = audio } }
    /// The account holds `number` (bought outside the platform); answers its SID.
    @discardableResult
    func hold(_ number: String) -> String {
        let sid = "PN" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        state.withLock { $0.numbers[number] = IncomingNumber(sid: sid, number: number, voiceURL: "", statusCallback: "") }
        return sid
    }
    func offer(_ numbers: String...) { state.withLock { $0.offered.append(contentsOf: numbers) } }
    func incoming(_ number: String) -> IncomingNumber? { state.withLock { $0.numbers[number] } }
    var purchases: [String] { state.withLock { $0.purchases } }
    var calls: [Call] { state.withLock { $0.calls } }
    var createRequests: [[(String, String)]] { state.withLock { $0.createRequests } }
    var lookups: Int { state.withLock { $0.lookups } }
    var updates: [(sid: String, status: String)] { state.withLock { $0.updates } }
    var redirects: [(sid: String, twiml: String)] { state.withLock { $0.redirects } }
    /// An inbound call to `to` that Twilio answered (its voice webhook was called), in progress.
    func answered(_ sid: String, to: String, from: String) {
        state.withLock { $0.calls.append(Call(sid: sid, to: to, from: from, status: "in-progress", created: Date())) }
    }

    /// Runs the stand-in on a loopback port for the duration of `body`, which gets its base URL.
    func run(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        let base = "/2010-04-01/Accounts/:account"
        router.post("\(base)/Calls.json") { request, context in try await self.create(request, context) }
        router.get("\(base)/Calls.json") { request, context in try await self.list(request, context) }
        router.post("\(base)/Calls/:sid") { request, context in try await self.update(request, context) }
        router.get("\(base)/Recordings/:file") { request, context in try await self.recording(request, context) }
        router.get("\(base)/IncomingPhoneNumbers.json") { request, context in try await self.listNumbers(request, context) }
        router.post("\(base)/IncomingPhoneNumbers.json") { request, context in try await self.buyNumber(request, context) }
        router.post("\(base)/IncomingPhoneNumbers/:sid") { request, context in try await self.updateNumber(request, context) }
        router.get("\(base)/AvailablePhoneNumbers/:country/Local.json") { request, context in try await self.availableNumbers(request, context) }
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
        if let twiml = FormURLEncoding.value("Twiml", in: form) {
            let redirected = state.withLock { state -> Call? in
                guard let call = state.calls.first(where: { $0.sid == sid && $0.status == "in-progress" }) else { return nil }
                state.redirects.append((sid, twiml))
                return call
            }
            guard let redirected else {
                return Self.error(status: 400, code: 21220, message: "Call is not in-progress. Cannot redirect.")
            }
            return Self.json(status: .ok, Self.resource(redirected))
        }
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

    static func resource(_ number: IncomingNumber) -> [String: Any] {
        ["sid": number.sid, "account_sid": accountSID, "phone_number": number.number, "friendly_name": number.number,
         "voice_url": number.voiceURL, "voice_method": "POST", "status_callback": number.statusCallback, "status_callback_method": "POST",
         "capabilities": ["voice": true, "sms": true, "mms": false], "api_version": "2010-04-01",
         "uri": "/2010-04-01/Accounts/\(accountSID)/IncomingPhoneNumbers/\(number.sid).json"]
    }

    private func listNumbers(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        if let refusal = authenticate(request, context) { return refusal }
        let wanted = FormURLEncoding.value("PhoneNumber", in: FormURLEncoding.decode(request.uri.query ?? "") ?? [])
        let found = state.withLock { state in state.numbers.values.filter { wanted == nil || $0.number == wanted } }
        return Self.json(status: .ok, ["incoming_phone_numbers": found.map(Self.resource), "page": 0, "page_size": 20, "next_page_uri": NSNull()])
    }

    /// Buying: only a number on offer (error 21422 otherwise), answered 201 with the new IncomingPhoneNumber.
    private func buyNumber(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        if let refusal = authenticate(request, context) { return refusal }
        let form = try await Self.form(request, context)
        func value(_ name: String) -> String? { FormURLEncoding.value(name, in: form) }
        guard let number = value("PhoneNumber") else { return Self.error(status: 400, code: 21421, message: "PhoneNumber is invalid") }
        let bought = state.withLock { state -> IncomingNumber? in
            guard let index = state.offered.firstIndex(of: number) else { return nil }
            state.offered.remove(at: index)
            let incoming = IncomingNumber(sid: "PN" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased(), number: number,
                                          voiceURL: value("VoiceUrl") ?? "", statusCallback: value("StatusCallback") ?? "")
            state.numbers[number] = incoming
            state.purchases.append(number)
            return incoming
        }
        guard let bought else { return Self.error(status: 400, code: 21422, message: "PhoneNumber requested is not available") }
        return Self.json(status: .created, Self.resource(bought))
    }

    private func updateNumber(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        if let refusal = authenticate(request, context) { return refusal }
        let sid = (context.parameters.get("sid") ?? "").replacingOccurrences(of: ".json", with: "")
        let form = try await Self.form(request, context)
        let updated = state.withLock { state -> IncomingNumber? in
            guard let key = state.numbers.first(where: { $0.value.sid == sid })?.key else { return nil }
            if let voice = FormURLEncoding.value("VoiceUrl", in: form) { state.numbers[key]?.voiceURL = voice }
            if let status = FormURLEncoding.value("StatusCallback", in: form) { state.numbers[key]?.statusCallback = status }
            return state.numbers[key]
        }
        guard let updated else { return Self.error(status: 404, code: 20404, message: "The requested resource was not found") }
        return Self.json(status: .ok, Self.resource(updated))
    }

    private func availableNumbers(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        if let refusal = authenticate(request, context) { return refusal }
        let query = FormURLEncoding.decode(request.uri.query ?? "") ?? []
        let contains = FormURLEncoding.value("Contains", in: query)
        let offered = state.withLock { $0.offered }.filter { contains == nil || $0.contains(contains!) }
        let country = context.parameters.get("country") ?? "US"
        return Self.json(status: .ok, ["available_phone_numbers": offered.map {
            ["phone_number": $0, "friendly_name": $0, "locality": "Springfield", "region": "IL", "iso_country": country,
             "capabilities": ["voice": true, "SMS": true, "MMS": false]] as [String: Any]
        }, "uri": "/2010-04-01/Accounts/\(Self.accountSID)/AvailablePhoneNumbers/\(country)/Local.json"])
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
