import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

/// Sends audio to an OpenAI-compatible `POST /v1/audio/transcriptions` (multipart: `file`, `model`,
/// `language`, `response_format=verbose_json`) and reads the transcript.
public struct TranscriptionClient: Sendable {
    public let configuration: TranscriptionConfiguration
    let http: HTTPClient

    public init(configuration: TranscriptionConfiguration, http: HTTPClient = .shared) {
        self.configuration = configuration
        self.http = http
    }

    /// How a request failed: `rejected` (4xx other than 429: this audio or request will not work) is
    /// final; the others are worth another attempt.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case rejected(httpStatus: Int, message: String)
        case throttled(message: String)
        case unavailable(httpStatus: Int, message: String)
        case transport(String)
        case malformedResponse(String)

        public var description: String {
            switch self {
            case .rejected(let status, let message): "the transcription endpoint refused the audio (HTTP \(status)): \(message)"
            case .throttled(let message): "transcription rate limit (HTTP 429): \(message)"
            case .unavailable(let status, let message): "the transcription endpoint failed (HTTP \(status)): \(message)"
            case .transport(let message): "no answer from the transcription endpoint: \(message)"
            case .malformedResponse(let message): "unexpected answer from the transcription endpoint: \(message)"
            }
        }
    }

    /// `language` is an ISO-639-1 code (`en`), or nil to let the model detect it.
    public func transcribe(_ audio: Data, filename: String, contentType: String, language: String?) async throws(Failure) -> Transcript {
        var form = MultipartFormData()
        form.add(name: "file", filename: filename, contentType: contentType, data: audio)
        form.add(name: "model", value: configuration.model)
        if let language { form.add(name: "language", value: language) }
        form.add(name: "response_format", value: "verbose_json")
        var request = HTTPClientRequest(url: "\(configuration.baseURL)/v1/audio/transcriptions")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: form.contentType)
        request.headers.add(name: "Accept", value: "application/json")
        if let key = configuration.apiKey { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        request.body = .bytes(ByteBuffer(data: form.encoded))
        let status: Int
        let body: ByteBuffer
        do {
            let response = try await http.execute(request, timeout: .milliseconds(Int64(configuration.requestTimeout.milliseconds)),
                                                  provider: "transcription", operation: "transcribe")
            status = Int(response.status.code)
            body = try await response.body.collect(upTo: 16 << 20)
        } catch {
            throw .transport(String(describing: error))
        }
        guard (200..<300).contains(status) else {
            // OpenAI's error body: {"error": {"message": "...", "type": "...", "code": ...}}.
            struct ErrorBody: Decodable { struct Detail: Decodable { let message: String? }; let error: Detail? }
            let message = (try? JSONDecoder().decode(ErrorBody.self, from: Data(buffer: body)))?.error?.message
                ?? String(String(buffer: body).prefix(300))
            switch status {
            case 429: throw .throttled(message: message)
            case 400..<500: throw .rejected(httpStatus: status, message: message)
            default: throw .unavailable(httpStatus: status, message: message)
            }
        }
        do {
            return try JSONDecoder().decode(Transcript.self, from: Data(buffer: body))
        } catch {
            throw .malformedResponse(String(describing: error))
        }
    }
}
