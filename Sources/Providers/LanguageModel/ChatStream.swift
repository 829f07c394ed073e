import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import ServerSupport
import Synchronization

/// The HTTP part both chat clients share: POST a JSON body, map a refusal to a `ChatFailure`, and
/// hand the event stream of an accepted request to the client's reader, all within one deadline.
struct ChatStream {
    /// Largest error body read, for its message.
    static let maximumErrorBytes = 64 << 10

    let http: HTTPClient
    /// The provider's name in metrics (`openai`, `anthropic`, …).
    let provider: String

    /// `read` gets every event and answers true when the reply is complete; a stream that ends before
    /// is malformed unless `endedWell` says the reply was whole (servers that send no end marker).
    func post(url: String, headers: [(String, String)], body: Data, timeout: Duration,
              read: @escaping @Sendable (ServerSentEventParser.Event) throws -> Bool,
              endedWell: @escaping @Sendable () -> Bool = { false }) async throws(ChatFailure) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "text/event-stream")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(data: body))
        let prepared = request
        let (http, provider) = (self.http, self.provider)
        do {
            try await Deadline.run(within: timeout) {
                let response = try await http.execute(prepared, timeout: .milliseconds(Int64(timeout.milliseconds)),
                                                      provider: provider, operation: "chat")
                let status = Int(response.status.code)
                guard (200..<300).contains(status) else {
                    let text = String(buffer: try await response.body.collect(upTo: Self.maximumErrorBytes))
                    throw Self.failure(status: status, body: text, retryAfter: response.headers.first(name: "Retry-After"))
                }
                var parser = ServerSentEventParser()
                for try await chunk in response.body {
                    for event in try parser.feed(chunk.readableBytesView) {
                        if try read(event) { return }
                    }
                }
                if !endedWell() { throw ChatFailure.malformed("the stream ended before the reply was complete") }
            }
        } catch let failure as ChatFailure {
            throw failure
        } catch is Deadline.Exceeded {
            throw .timedOut
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            throw .timedOut
        } catch let error as ServerSentEventParser.TooLarge {
            throw .malformed(error.description)
        } catch let error as DecodingError {
            throw .malformed("an event is not the provider's JSON: \(Self.summary(error))")
        } catch {
            throw .transport(String(describing: error))
        }
    }

    /// The failure an HTTP refusal means; the message comes from the provider's error body
    /// (`{"error": {"message": …}}` for both formats) or its first 300 characters.
    static func failure(status: Int, body: String, retryAfter: String?) -> ChatFailure {
        struct ErrorBody: Decodable {
            struct Detail: Decodable { let message: String? }
            let error: Detail?
        }
        let message = (try? JSONDecoder().decode(ErrorBody.self, from: Data(body.utf8)))?.error?.message ?? String(body.prefix(300))
        switch status {
        case 429: return .throttled(retryAfter: retryAfter.flatMap(Self.retryAfter), message: message)
        case 408, 500...: return .unavailable(httpStatus: status, message: message)
        default: return .rejected(httpStatus: status, message: message)
        }
    }

    /// `Retry-After` in seconds; the HTTP-date form is read as no hint.
    static func retryAfter(_ text: String) -> Duration? {
        Double(text.trimmingCharacters(in: .whitespaces)).flatMap { $0 >= 0 && $0 < 86_400 ? .milliseconds(Int($0 * 1_000)) : nil }
    }

    static func summary(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "missing \(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            context.codingPath.map(\.stringValue).joined(separator: ".") + ": " + context.debugDescription
        @unknown default: "\(error)"
        }
    }

    /// A tool's parameter schema as a JSON object for the request body; an unreadable one as an empty object schema.
    static func schemaObject(_ json: String) -> JSONValue {
        JSONValue(text: json).object.map(JSONValue.object) ?? ["type": "object", "properties": .object([:])]
    }
}

/// A value the stream's reader updates and the client reads after it, across the reader's task.
final class Shared<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result where Result: Sendable {
        try mutex.withLock { value throws(Failure) -> Result in try body(&value) }
    }
}
