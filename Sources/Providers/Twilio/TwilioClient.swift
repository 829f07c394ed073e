import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Twilio's REST API for calls (2010-04-01): create, update, and look up by number and date.
public struct TwilioClient: Sendable {
    public let configuration: TwilioConfiguration
    let http: HTTPClient

    public init(configuration: TwilioConfiguration, http: HTTPClient = .shared) {
        self.configuration = configuration
        self.http = http
    }

    /// What an outbound call asks for.
    public struct CallRequest: Sendable, Equatable {
        public var to: String
        public var from: String
        /// Where Twilio fetches the TwiML when the call connects.
        public var url: String
        public var statusCallback: String
        /// Seconds to let it ring.
        public var timeout: Int
        public var record: Bool

        public init(to: String, from: String, url: String, statusCallback: String, timeout: Int, record: Bool) {
            self.to = to
            self.from = from
            self.url = url
            self.statusCallback = statusCallback
            self.timeout = timeout
            self.record = record
        }

        var form: [(String, String)] {
            var form = [("To", to), ("From", from), ("Url", url), ("Method", "POST"),
                        ("StatusCallback", statusCallback), ("StatusCallbackMethod", "POST")]
            for event in ["initiated", "ringing", "answered", "completed"] { form.append(("StatusCallbackEvent", event)) }
            form.append(("Timeout", String(timeout)))
            if record { form.append(("Record", "true")) }
            return form
        }
    }

    /// `POST /Accounts/{sid}/Calls.json`.
    public func createCall(_ call: CallRequest) async throws(TwilioError) -> TwilioCall {
        try await send(.POST, "Calls.json", form: call.form, as: TwilioCall.self)
    }

    /// `POST /Accounts/{sid}/Calls/{CallSid}.json` with `Status` (`completed` hangs up a live call,
    /// `canceled` one that is still queued or ringing).
    public func updateCall(sid: String, status: String) async throws(TwilioError) -> TwilioCall {
        try await send(.POST, "Calls/\(FormURLEncoding.escape(sid)).json", form: [("Status", status)], as: TwilioCall.self)
    }

    /// `POST /Accounts/{sid}/Calls/{CallSid}.json` with `Twiml`: a live call leaves what it was doing
    /// (a media stream is stopped) for these instructions.
    public func redirectCall(sid: String, twiml: String) async throws(TwilioError) -> TwilioCall {
        try await send(.POST, "Calls/\(FormURLEncoding.escape(sid)).json", form: [("Twiml", twiml)], as: TwilioCall.self)
    }

    /// `GET /Accounts/{sid}/Calls.json?To=…&From=…&StartTime>=…`: the calls between two numbers since
    /// a day (Twilio filters by date, not time), newest first.
    public func calls(to: String, from: String, since day: Date) async throws(TwilioError) -> [TwilioCall] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: day)
        let date = String(format: "%04d-%02d-%02d", parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1)
        // `StartTime>` is the parameter's name; its `>` goes percent-encoded (a raw one makes the whole
        // URL invalid, and it would then be escaped a second time).
        let query = FormURLEncoding.encode([("To", to), ("From", from), ("StartTime>", date), ("PageSize", "50")])
        return try await send(.GET, "Calls.json?\(query)", form: nil, as: TwilioCallPage.self).calls
    }

    /// Downloads a call recording as MP3 (`RecordingUrl` + `.mp3`) with the account's credentials.
    /// Only URLs under the configured API origin are fetched, and at most `maxBytes`.
    public func recording(at recordingURL: String, maxBytes: Int) async throws(TwilioError) -> Data {
        guard recordingURL.hasPrefix(configuration.baseURL + "/") else {
            throw .rejected(httpStatus: 0, code: nil, message: "the recording URL is not under \(configuration.baseURL)")
        }
        var request = HTTPClientRequest(url: recordingURL.hasSuffix(".mp3") ? recordingURL : recordingURL + ".mp3")
        request.headers.add(name: "Authorization", value: authorization)
        let status: Int
        let body: ByteBuffer
        do {
            let response = try await http.execute(request, timeout: .milliseconds(Int64(configuration.requestTimeout.milliseconds) * 4),
                                                  provider: "twilio", operation: "recording")
            status = Int(response.status.code)
            if (200..<300).contains(status), let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > maxBytes {
                throw TwilioError.tooLarge(limit: maxBytes)
            }
            body = try await response.body.collect(upTo: maxBytes)
        } catch let error as TwilioError {
            throw error
        } catch is NIOTooManyBytesError {
            throw .tooLarge(limit: maxBytes)
        } catch {
            throw .transport(String(describing: error))
        }
        switch status {
        case 200..<300: return Data(buffer: body)
        case 429: throw .throttled(message: String(buffer: body))
        case 400..<500: throw .rejected(httpStatus: status, code: nil, message: "the recording cannot be fetched")
        default: throw .unavailable(httpStatus: status, message: String(String(buffer: body).prefix(300)))
        }
    }

    private var authorization: String {
        "Basic " + Data("\(configuration.accountSID):\(configuration.authToken)".utf8).base64EncodedString()
    }

    func send<T: Decodable>(_ method: HTTPMethod, _ path: String, form: [(String, String)]?, as: T.Type) async throws(TwilioError) -> T {
        let url = "\(configuration.baseURL)/2010-04-01/Accounts/\(FormURLEncoding.escape(configuration.accountSID))/\(path)"
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: authorization)
        request.headers.add(name: "Accept", value: "application/json")
        if let form {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: FormURLEncoding.encode(form)))
        }
        let status: Int
        let body: ByteBuffer
        do {
            let response = try await http.execute(request, timeout: .milliseconds(Int64(configuration.requestTimeout.milliseconds)),
                                                  provider: "twilio", operation: method.rawValue.lowercased())
            status = Int(response.status.code)
            body = try await response.body.collect(upTo: 4 << 20)
        } catch {
            throw .transport(String(describing: error))
        }
        guard (200..<300).contains(status) else {
            let detail = try? JSONDecoder().decode(TwilioErrorBody.self, from: Data(buffer: body))
            let message = detail?.message ?? String(buffer: body).prefix(300).description
            switch status {
            case 429: throw .throttled(message: message)
            case 400..<500: throw .rejected(httpStatus: status, code: detail?.code, message: message)
            default: throw .unavailable(httpStatus: status, message: message)
            }
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: body))
        } catch {
            throw .malformedResponse(String(describing: error))
        }
    }
}
