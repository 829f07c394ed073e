import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import ServerSupport

/// The HTTP part of the speech clients: POST a request and hand the audio body to the caller chunk
/// by chunk as it arrives, within one deadline; a refusal becomes a `SpeechFailure` with the
/// provider's message.
struct SpeechStream {
    static let maximumErrorBytes = 16 << 10

    let http: HTTPClient
    /// The provider's name in metrics (`openai`, `elevenlabs`, `azure`).
    let provider: String

    func post(url: String, headers: [(String, String)], body: Data, timeout: Duration,
              onAudio: @escaping @Sendable ([UInt8]) async -> Void) async throws(SpeechFailure) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(data: body))
        let prepared = request
        let (http, provider) = (self.http, self.provider)
        do {
            try await Deadline.run(within: timeout) {
                let response = try await http.execute(prepared, timeout: .milliseconds(Int64(timeout.milliseconds)),
                                                      provider: provider, operation: "speech")
                let status = Int(response.status.code)
                guard (200..<300).contains(status) else {
                    let text = String(buffer: try await response.body.collect(upTo: Self.maximumErrorBytes))
                    let message = Self.message(in: text)
                    throw status == 429 || status == 408 || status >= 500
                        ? SpeechFailure.unavailable(httpStatus: status, message: message)
                        : SpeechFailure.rejected(httpStatus: status, message: message)
                }
                for try await chunk in response.body where chunk.readableBytes > 0 {
                    await onAudio(Array(chunk.readableBytesView))
                }
            }
        } catch let failure as SpeechFailure {
            throw failure
        } catch is Deadline.Exceeded {
            throw .timedOut
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            throw .timedOut
        } catch {
            throw .transport(String(describing: error))
        }
    }

    /// The message of an error body (`{"error": {"message"}}`, `{"detail": {"message"}}` or text).
    static func message(in body: String) -> String {
        struct Detail: Decodable { let message: String? }
        struct ErrorBody: Decodable {
            let error: Detail?
            let detail: Detail?
        }
        let parsed = try? JSONDecoder().decode(ErrorBody.self, from: Data(body.utf8))
        return parsed?.error?.message ?? parsed?.detail?.message ?? String(body.prefix(300))
    }
}
