import Foundation
import Hummingbird
import HummingbirdTesting
import Jobs
import Platform
import Providers
import Synchronization

/// A local stand-in for an OpenAI-compatible `POST /v1/audio/transcriptions`: it splits the
/// multipart body itself (so a test sees exactly what was sent) and answers `verbose_json`, or the
/// scripted OpenAI-style error.
final class TranscriptionStandIn: Sendable {
    static let apiKey = "sk-stand-in"

    typealias Part = MultipartFormData.Part

    private struct State {
        var requests: [[Part]] = []
        var failures: [(status: Int, message: String)] = []
    }

    private let state = Mutex(State())

    var requests: [[Part]] { state.withLock { $0.requests } }
    func fail(status: Int, message: String) { state.withLock { $0.failures.append((status, message)) } }

    func run(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        router.post("/v1/audio/transcriptions") { request, _ in try await self.transcribe(request) }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in try await body("http://127.0.0.1:\(client.port ?? 0)") }
    }

    private func transcribe(_ request: Request) async throws -> Response {
        guard request.headers[.authorization] == "Bearer \(Self.apiKey)" else {
            return Self.error(401, "Incorrect API key provided")
        }
        let contentType = request.headers[.contentType] ?? ""
        let body = Data(buffer: try await request.body.collect(upTo: 64 << 20))
        guard let boundary = MultipartFormData.boundary(of: contentType), let parts = MultipartFormData.parse(body, boundary: boundary) else {
            return Self.error(400, "Expected a well-formed multipart/form-data body")
        }
        let failure = state.withLock { state -> (status: Int, message: String)? in
            state.requests.append(parts)
            return state.failures.isEmpty ? nil : state.failures.removeFirst()
        }
        if let failure { return Self.error(failure.status, failure.message) }
        guard let file = parts.first(where: { $0.name == "file" }), !file.data.isEmpty, parts.contains(where: { $0.name == "model" }) else {
            return Self.error(400, "file and model are required")
        }
        let language = parts.first(where: { $0.name == "language" }).map { String(decoding: $0.data, as: UTF8.self) } ?? "en"
        let answer: [String: Any] = [
            "task": "transcribe", "language": language == "en" ? "english" : language, "duration": 61.5,
            "text": "Hello, this is a callback about your order.",
            "segments": [["id": 0, "start": 0.0, "end": 2.5, "text": "Hello,"],
                         ["id": 1, "start": 2.5, "end": 6.0, "text": " this is a callback about your order."]],
        ]
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(data: try JSONSerialization.data(withJSONObject: answer))))
    }

    static func error(_ status: Int, _ message: String) -> Response {
        let body: [String: Any] = ["error": ["message": message, "type": "invalid_request_error", "code": NSNull()]]
        return Response(status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(data: (try? JSONSerialization.data(withJSONObject: body)) ?? Data())))
    }
}
