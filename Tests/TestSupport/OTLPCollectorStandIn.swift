import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization

/// An OpenTelemetry collector's OTLP/HTTP traces endpoint (`POST /v1/traces`, JSON bodies, as the
/// OTLP specification defines them): it keeps every span it receives and answers an empty
/// `ExportTraceServiceResponse`.
public final class OTLPCollectorStandIn: Sendable {
    /// One received span, flattened from `resourceSpans[].scopeSpans[].spans[]`, with its resource's `service.name`.
    public struct ReceivedSpan: Sendable {
        public let service: String
        public let traceID: String
        public let spanID: String
        public let parentSpanID: String?
        public let name: String
        public let kind: Int
        public let attributes: [String: String]
        public let statusCode: Int
    }

    private let spans = Mutex<[ReceivedSpan]>([])
    private let contentTypes = Mutex<[String]>([])

    public init() {}

    public var received: [ReceivedSpan] { spans.withLock { $0 } }
    public var requestContentTypes: [String] { contentTypes.withLock { $0 } }

    public func run(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        router.post("v1/traces") { request, _ -> Response in
            let data = Data(buffer: try await request.body.collect(upTo: 64 << 20))
            self.contentTypes.withLock { $0.append(request.headers[.contentType] ?? "") }
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                return Response(status: .badRequest)
            }
            self.spans.withLock { $0.append(contentsOf: Self.flatten(object)) }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body("http://127.0.0.1:\(client.port ?? 0)")
        }
    }

    static func flatten(_ request: [String: Any]) -> [ReceivedSpan] {
        func strings(_ attributes: Any?) -> [String: String] {
            var result: [String: String] = [:]
            for attribute in attributes as? [[String: Any]] ?? [] {
                guard let key = attribute["key"] as? String, let value = attribute["value"] as? [String: Any] else { continue }
                result[key] = (value["stringValue"] as? String) ?? (value["intValue"] as? String) ?? value.values.first.map { "\($0)" }
            }
            return result
        }
        var spans: [ReceivedSpan] = []
        for resource in request["resourceSpans"] as? [[String: Any]] ?? [] {
            let service = strings((resource["resource"] as? [String: Any])?["attributes"])["service.name"] ?? ""
            for scope in resource["scopeSpans"] as? [[String: Any]] ?? [] {
                for span in scope["spans"] as? [[String: Any]] ?? [] {
                    spans.append(ReceivedSpan(
                        service: service, traceID: span["traceId"] as? String ?? "", spanID: span["spanId"] as? String ?? "",
                        parentSpanID: span["parentSpanId"] as? String, name: span["name"] as? String ?? "", kind: span["kind"] as? Int ?? 0,
                        attributes: strings(span["attributes"]), statusCode: (span["status"] as? [String: Any])?["code"] as? Int ?? 0))
                }
            }
        }
        return spans
    }
}
