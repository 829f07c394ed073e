import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
/// Webhook receivers verify deliveries with `WebhookSignature.verify`, from this import alone.
@_exported import WebhookSigning

/// The Swift client of the VoicePartnerAI API: jobs (enqueue, read, list, cancel, retry, wait),
/// outbound calls and their transcripts, tools, credits, deploying assistants and talking with them
/// in text, over AsyncHTTPClient with an API key or a user's access token; `operations` has every
/// other operation, generated from the OpenAPI document. Requests go only through `Endpoint`s, which
/// a test checks against the document.
public struct VoicePartnerClient: Sendable {
    public enum Credential: Sendable {
        /// An API key; it acts in its own workspace.
        case apiKey(String)
        /// A user's access token and the workspace the user acts in.
        case user(accessToken: String, workspaceID: UUID?)
    }

    public let baseURL: String
    public let credential: Credential
    public let http: HTTPClient
    public let timeout: TimeAmount

    public init(baseURL: String, credential: Credential, http: HTTPClient = .shared, timeout: TimeAmount = .seconds(30)) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.credential = credential
        self.http = http
        self.timeout = timeout
    }

    // MARK: Jobs

    /// Enqueues a job of a kind the credential may start; `idempotencyKey` makes a repeat return the same job.
    public func enqueue<Args: Encodable & Sendable>(kind: String, args: Args, idempotencyKey: String? = nil,
                                                    maxAttempts: Int? = nil, delaySeconds: Int? = nil) async throws -> EnqueuedJob {
        try await send(.enqueueJob, body: EnqueueBody(kind: kind, args: args, maxAttempts: maxAttempts, delaySeconds: delaySeconds),
                              headers: idempotencyKey.map { ["Idempotency-Key": $0] } ?? [:])
    }

    public func job<Result>(_ id: Int64, result: Result.Type = EmptyResult.self) async throws -> Job<Result> {
        try await send(.job, [String(id)])
    }

    /// A page of the workspace's jobs, newest first.
    public func jobs(state: String? = nil, kind: String? = nil, limit: Int = 50, cursor: String? = nil) async throws -> Page<Job<EmptyResult>> {
        try await send(.jobs, query: [("state", state), ("kind", kind), ("limit", String(limit)), ("cursor", cursor)])
    }

    public func cancel(job id: Int64) async throws -> Job<EmptyResult> {
        try await send(.cancelJob, [String(id)])
    }

    public func retry(job id: Int64) async throws -> Job<EmptyResult> {
        try await send(.retryJob, [String(id)])
    }

    /// Polls until the job finishes (delays doubling from 50 ms to 2 s); a discarded or cancelled
    /// job throws `ClientError.jobFailed`, one still running after `timeout` `.timedOut`.
    public func wait<Result>(for id: Int64, result: Result.Type = EmptyResult.self, timeout: Duration = .seconds(60)) async throws -> Job<Result> {
        let deadline = ContinuousClock.now + timeout
        var delay: Duration = .milliseconds(50)
        while true {
            let current = try await job(id, result: Result.self)
            if current.isFinished {
                guard current.state == "completed" else {
                    throw ClientError.jobFailed(id: id, state: current.state, lastError: current.errors.last?.error)
                }
                return current
            }
            guard ContinuousClock.now + delay < deadline else { throw ClientError.timedOut(id: id, state: current.state) }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(2))
        }
    }

    struct EnqueueBody<Args: Encodable>: Encodable {
        let kind: String
        let args: Args
        let maxAttempts: Int?
        let delaySeconds: Int?

        enum CodingKeys: String, CodingKey { case kind, args, maxAttempts = "max_attempts", delaySeconds = "delay_seconds" }
    }

    // MARK: Calls, tools, credits

    public func placeCall(assistantID: UUID, to number: String, from caller: String? = nil, record: Bool? = nil,
                          idempotencyKey: String? = nil) async throws -> Call {
        try await send(.placeCall, body: CallBody(assistantID: assistantID.uuidString.lowercased(), to: number, from: caller, record: record),
                              headers: idempotencyKey.map { ["Idempotency-Key": $0] } ?? [:])
    }

    struct CallBody: Encodable {
        let assistantID: String
        let to: String
        let from: String?
        let record: Bool?

        enum CodingKeys: String, CodingKey { case to, from, record, assistantID = "assistant_id" }
    }

    public func callStatus(_ id: UUID) async throws -> Call {
        try await send(.callStatus, [id.uuidString.lowercased()])
    }

    public func endCall(_ id: UUID) async throws -> Call {
        try await send(.endCall, [id.uuidString.lowercased()])
    }

    /// Calls a tool now and answers what an assistant would get.
    public func testTool<Arguments: Encodable & Sendable, Response>(_ id: UUID, arguments: Arguments,
                                                                    response: Response.Type) async throws -> ToolCallResult<Response> {
        try await send(.testTool, [id.uuidString.lowercased()], body: ["arguments": arguments])
    }

    /// Calls a tool as a `tools.invoke` job; wait for it with `wait(for:result:)` and `ToolCallResult`.
    public func invokeTool<Arguments: Encodable & Sendable>(_ id: UUID, arguments: Arguments,
                                                            idempotencyKey: String? = nil) async throws -> EnqueuedJob {
        try await send(.invokeTool, [id.uuidString.lowercased()], body: ["arguments": arguments],
                       headers: idempotencyKey.map { ["Idempotency-Key": $0] } ?? [:])
    }

    public func credits() async throws -> CreditBalance {
        try await send(.credits)
    }

    /// A call's conversation turn by turn, and its analysis once the `calls.analyze` job made it.
    public func transcript(call id: UUID) async throws -> CallTranscript {
        try await send(.callTranscript, [id.uuidString.lowercased()])
    }

    // MARK: Assistants and conversations

    /// Freezes the assistant's settings, tools and documents as its next version; new calls use it.
    public func deploy(assistant id: UUID) async throws -> Assistant {
        try await send(.deployAssistant, [id.uuidString.lowercased()], body: NoBody())
    }

    /// What each deploy froze, newest first.
    public func versions(assistant id: UUID) async throws -> [AssistantVersion] {
        let answer: VersionList = try await send(.assistantVersions, [id.uuidString.lowercased()])
        return answer.data
    }

    /// Makes `version` the draft again and deploys it as the next version.
    public func rollback(assistant id: UUID, to version: Int) async throws -> Assistant {
        try await send(.rollbackAssistant, [id.uuidString.lowercased(), String(version)], body: NoBody())
    }

    /// Starts a text conversation with a deployed `version`, or with the draft when it is nil.
    public func startConversation(assistant id: UUID, version: Int? = nil) async throws -> TestConversation {
        try await send(.startConversation, [id.uuidString.lowercased()], body: StartBody(version: version))
    }

    public func conversation(_ id: UUID, assistant: UUID) async throws -> TestConversation {
        try await send(.conversation, [assistant.uuidString.lowercased(), id.uuidString.lowercased()])
    }

    /// Says `text` to the assistant and answers its reply; the same `idempotencyKey` answers the same
    /// turn again without asking the model twice.
    public func say(_ text: String, in conversation: UUID, assistant: UUID, idempotencyKey: String? = nil) async throws -> ConversationReply {
        try await send(.conversationTurn, [assistant.uuidString.lowercased(), conversation.uuidString.lowercased()], body: ["text": text],
                       headers: idempotencyKey.map { ["Idempotency-Key": $0] } ?? [:])
    }

    // MARK: Phone numbers

    public func phoneNumbers() async throws -> [PhoneNumber] {
        try await send(.phoneNumbers)
    }

    /// Registers a number the workspace already holds at Twilio, bound to `assistant` when given
    /// (Twilio's voice URL is then pointed here by a job).
    public func registerNumber(_ number: String, label: String? = nil, assistant: UUID? = nil) async throws -> PhoneNumber {
        try await send(.registerNumber, body: NumberBody(number: number, label: label, assistantID: assistant?.uuidString.lowercased()))
    }

    /// Binds the number to `assistant`, or unbinds it with nil.
    public func bind(number id: UUID, to assistant: UUID?) async throws -> PhoneNumber {
        try await send(.updateNumber, [id.uuidString.lowercased()], body: BindBody(assistantID: assistant?.uuidString.lowercased()))
    }

    /// Numbers Twilio offers in `country` (ISO 3166 alpha-2), optionally in an area code or containing digits.
    public func availableNumbers(country: String = "US", areaCode: String? = nil, contains: String? = nil,
                                 limit: Int = 20) async throws -> AvailableNumbers {
        try await send(.availableNumbers, query: [("country", country), ("area_code", areaCode), ("contains", contains), ("limit", String(limit))])
    }

    /// Buys an offered number for the workspace (charged `priceCredits`); the answer's
    /// `providerStatus` is `purchasing` until the purchase job has bought and configured it.
    public func purchaseNumber(_ number: String, label: String? = nil, assistant: UUID? = nil) async throws -> PhoneNumber {
        try await send(.purchaseNumber, body: NumberBody(number: number, label: label, assistantID: assistant?.uuidString.lowercased()))
    }

    struct NumberBody: Encodable {
        let number: String
        let label: String?
        let assistantID: String?

        enum CodingKeys: String, CodingKey { case number, label, assistantID = "assistant_id" }
    }

    /// `assistant_id` is always sent: null unbinds.
    struct BindBody: Encodable {
        let assistantID: String?

        enum CodingKeys: String, CodingKey { case assistantID = "assistant_id" }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(assistantID, forKey: .assistantID)
        }
    }

    struct VersionList: Decodable {
        let data: [AssistantVersion]
    }

    struct StartBody: Encodable {
        let version: Int?
    }

    // MARK: Transport

    struct NoBody: Encodable {}

    func send<Answer: Decodable>(_ endpoint: Endpoint, _ pathValues: [String] = [], query: [(String, String?)] = [],
                                 headers: [String: String] = [:]) async throws -> Answer {
        try await send(endpoint, pathValues, query: query, body: Optional<NoBody>.none, headers: headers)
    }

    func send<Body: Encodable, Answer: Decodable>(_ endpoint: Endpoint, _ pathValues: [String] = [], query: [(String, String?)] = [],
                                                  body: Body?, headers: [String: String] = [:]) async throws -> Answer {
        let encoded = try body.map { try JSONEncoder().encode($0) }
        let data = try await exchange(endpoint, pathValues, query: query, body: encoded, contentType: "application/json", headers: headers)
        return try decode(data, from: endpoint)
    }

    /// Sends one request and answers the body of a 2xx answer; any other status throws `ClientError.api`
    /// with the API's error code, message, field and request id.
    func exchange(_ endpoint: Endpoint, _ pathValues: [String], query: [(String, String?)], body: Data?, contentType: String,
                  headers: [String: String]) async throws -> Data {
        var url = baseURL + endpoint.path(pathValues)
        var components = URLComponents()
        components.queryItems = query.compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } }
        if let text = components.percentEncodedQuery, !text.isEmpty { url += "?" + text }
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: endpoint.method)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "voicepartner-swift/1.0")
        switch credential {
        case .apiKey(let key):
            request.headers.add(name: "X-API-Key", value: key)
        case .user(let token, let workspace):
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            if let workspace { request.headers.add(name: "X-Workspace-ID", value: workspace.uuidString.lowercased()) }
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let status: Int
        let data: Data
        do {
            let response = try await http.execute(request, timeout: timeout)
            status = Int(response.status.code)
            let buffer = try await response.body.collect(upTo: 16 << 20)
            data = Data(buffer.readableBytesView)
        } catch {
            throw ClientError.transport(String(describing: error))
        }
        guard (200..<300).contains(status) else {
            guard let failure = try? JSONDecoder().decode(ErrorBody.self, from: data) else {
                throw ClientError.api(status: status, code: "http_\(status)", message: String(decoding: data.prefix(200), as: UTF8.self),
                                      field: nil, requestID: nil)
            }
            throw ClientError.api(status: status, code: failure.error.code, message: failure.error.message, field: failure.error.details?["field"],
                                  requestID: failure.error.requestID)
        }
        return data
    }

    func decode<Answer: Decodable>(_ data: Data, from endpoint: Endpoint) throws -> Answer {
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(Answer.self, from: data)
        } catch {
            throw ClientError.transport("the answer to \(endpoint) does not decode: \(error)")
        }
    }
}
