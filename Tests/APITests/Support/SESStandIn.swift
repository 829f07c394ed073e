import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Providers
import Synchronization

/// A local stand-in for SES v2's bulk endpoint, written from its published API (moto's server does
/// not implement it): `POST /v2/email/outbound-bulk-emails` with a SigV4 `Authorization`, the
/// default content's inline template (`{{name}}` replaced from each entry's replacement data) and
/// up to 50 entries; each entry answers in `BulkEmailEntryResults` (`SUCCESS`, or
/// `INVALID_PARAMETER` for an address without a domain). `POST /v2/email/outbound-emails` takes
/// raw messages. Every delivered message is recorded with the request that carried it.
final class SESStandIn: Sendable {
    struct Delivered: Sendable {
        var to: String
        var subject: String
        var text: String
        var html: String
        var headers: [String: String]
        var bulk: Bool
    }

    private let state = Mutex((delivered: [Delivered](), bulkRequests: 0, rawRequests: 0))
    var delivered: [Delivered] { state.withLock { $0.delivered } }
    var bulkRequests: Int { state.withLock { $0.bulkRequests } }
    var rawRequests: Int { state.withLock { $0.rawRequests } }

    func run(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        router.post("/v2/email/outbound-bulk-emails") { request, _ in try await self.bulk(request) }
        router.post("/v2/email/outbound-emails") { request, _ in try await self.raw(request) }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in try await body("http://127.0.0.1:\(client.port ?? 0)") }
    }

    private static func signed(_ request: Request) -> Bool {
        (request.headers[.authorization] ?? "").hasPrefix("AWS4-HMAC-SHA256 Credential=") && request.headers[HTTPField.Name("x-amz-date")!] != nil
    }

    private func bulk(_ request: Request) async throws -> Response {
        guard Self.signed(request) else { return Self.json(403, ["message": "Missing Authentication Token"]) }
        let object = try JSONSerialization.jsonObject(with: Data(buffer: try await request.body.collect(upTo: 10 << 20))) as? [String: Any] ?? [:]
        let template = ((object["DefaultContent"] as? [String: Any])?["Template"] as? [String: Any])?["TemplateContent"] as? [String: String] ?? [:]
        let entries = object["BulkEmailEntries"] as? [[String: Any]] ?? []
        guard (1...50).contains(entries.count), let subject = template["Subject"] else {
            return Self.json(400, ["message": "BulkEmailEntries must hold 1 to 50 entries and the template content a subject"])
        }
        state.withLock { $0.bulkRequests += 1 }
        var results: [[String: Any]] = []
        for entry in entries {
            let to = ((entry["Destination"] as? [String: Any])?["ToAddresses"] as? [String])?.first ?? ""
            guard to.split(separator: "@").last?.contains(".") == true else {
                results.append(["Status": "INVALID_PARAMETER", "Error": "Invalid address \(to)"])
                continue
            }
            let dataText = ((entry["ReplacementEmailContent"] as? [String: Any])?["ReplacementTemplate"]
                                as? [String: Any])?["ReplacementTemplateData"] as? String ?? "{}"
            let data = (try? JSONSerialization.jsonObject(with: Data(dataText.utf8))) as? [String: String] ?? [:]
            func fill(_ text: String) -> String {
                data.reduce(text) { $0.replacingOccurrences(of: "{{\($1.key)}}", with: $1.value) }
            }
            let headers = (entry["ReplacementHeaders"] as? [[String: String]] ?? [])
                .reduce(into: [String: String]()) { $0[$1["Name"] ?? ""] = $1["Value"] }
            state.withLock {
                $0.delivered.append(Delivered(to: to, subject: fill(subject), text: fill(template["Text"] ?? ""), html: fill(template["Html"] ?? ""),
                                              headers: headers, bulk: true))
            }
            results.append(["Status": "SUCCESS", "MessageId": UUID().uuidString])
        }
        return Self.json(200, ["BulkEmailEntryResults": results])
    }

    private func raw(_ request: Request) async throws -> Response {
        guard Self.signed(request) else { return Self.json(403, ["message": "Missing Authentication Token"]) }
        let object = try JSONSerialization.jsonObject(with: Data(buffer: try await request.body.collect(upTo: 10 << 20))) as? [String: Any] ?? [:]
        let to = ((object["Destination"] as? [String: Any])?["ToAddresses"] as? [String])?.first ?? ""
        let raw = (((object["Content"] as? [String: Any])?["Raw"] as? [String: Any])?["Data"] as? String).flatMap { Data(base64Encoded: $0) }
        let message = raw.map { String(decoding: $0, as: UTF8.self) } ?? ""
        let subject = message.split(separator: "\r\n").first { $0.hasPrefix("Subject: ") }.map { String($0.dropFirst(9)) } ?? ""
        state.withLock {
            $0.rawRequests += 1
            $0.delivered.append(Delivered(to: to, subject: subject, text: message, html: "", headers: [:], bulk: false))
        }
        return Self.json(200, ["MessageId": UUID().uuidString])
    }

    static func json(_ status: Int, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return Response(status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(data: data)))
    }
}
