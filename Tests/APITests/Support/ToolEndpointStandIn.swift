import Foundation
import Hummingbird
import HummingbirdTesting
import Jobs
import Logging
import Platform
import ServerSupport
import Synchronization

/// An HTTP server a tool or a webhook can call: `/echo/**` answers what it received,
/// `/oauth/token` issues client-credentials tokens that `/secure` accepts, `/status/{code}`,
/// `/slow`, `/big` and `/redirect?to=` script the other answers, `/hooks/**` receives webhooks. Bound to the address it is given, so tests can put it
/// on 127.0.0.2 (allow-listed) and a canary on 127.0.0.1 (refused).
final class ToolEndpointStandIn: Sendable {
    static let clientID = "stand-in-client"
    static let clientSecret = "stand-in-secret"

    /// A POST to `/hooks/**`: its headers (lowercased names) and body.
    struct Hook: Sendable {
        let path: String
        let headers: [String: String]
        let body: Data
    }

    private struct State {
        var requests: [String] = []
        var tokensIssued = 0
        var hooks: [Hook] = []
    }

    private let state = Mutex(State())
    let host: String
    /// Quiet: stopping the server by cancellation logs a harmless "already closed".
    static let logger: Logger = {
        var logger = Logger(label: "tool-endpoint-stand-in")
        logger.logLevel = .critical
        return logger
    }()

    init(host: String = "127.0.0.2") {
        self.host = host
    }

    /// Every request as "METHOD /path?query".
    var requests: [String] { state.withLock { $0.requests } }
    var tokensIssued: Int { state.withLock { $0.tokensIssued } }
    var hooks: [Hook] { state.withLock { $0.hooks } }

    func run(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        router.middlewares.add(Recorder(standIn: self))
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
            router.on("/echo/**", method: method) { request, _ in try await Self.echo(request) }
        }
        // A webhook receiver: `/hooks/fail/**` answers 503, any other `/hooks/**` 204.
        router.post("/hooks/**") { request, _ -> Response in
            let body = Data(buffer: try await request.body.collect(upTo: 1 << 20))
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            self.state.withLock { $0.hooks.append(Hook(path: request.uri.path, headers: headers, body: body)) }
            return request.uri.path.hasPrefix("/hooks/fail") ? Self.json(503, #"{"error": "down for maintenance"}"#) : Response(status: .noContent)
        }
        router.post("/oauth/token") { request, _ in try await self.token(request) }
        router.get("/secure") { request, _ -> Response in
            guard request.headers[.authorization]?.hasPrefix("Bearer token-") == true else { return Self.json(401, #"{"error": "unauthorized"}"#) }
            return Self.json(200, #"{"secret": "data"}"#)
        }
        router.get("/status/:code") { _, context -> Response in
            Self.json(Int(context.parameters.get("code") ?? "") ?? 500, #"{"error": "as asked"}"#)
        }
        router.get("/slow") { _, _ -> Response in
            try await Task.sleep(for: .seconds(3))
            return Self.json(200, #"{"late": true}"#)
        }
        router.get("/big") { _, _ -> Response in
            Self.json(200, "[" + Array(repeating: #""padding-padding-padding""#, count: 4_000).joined(separator: ",") + "]")
        }
        router.get("/redirect") { request, _ -> Response in
            Response(status: .found, headers: [.location: request.uri.queryParameters["to"].map(String.init) ?? "/"])
        }
        // Served directly (the live test client would rebind it to localhost).
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname(host, port: 0)),
                              onServerRunning: { channel in portSink.yield(channel.localAddress?.port ?? 0) }, logger: Self.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { return }
            defer { group.cancelAll() }
            try await body("http://\(host):\(port)")
        }
    }

    struct Recorder: RouterMiddleware {
        let standIn: ToolEndpointStandIn

        func handle(_ request: Request, context: BasicRequestContext,
                    next: (Request, BasicRequestContext) async throws -> Response) async throws -> Response {
            standIn.state.withLock { $0.requests.append("\(request.method) \(request.uri)") }
            return try await next(request, context)
        }
    }

    private static func echo(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        var headers: [String: JSONValue] = [:]
        for field in request.headers { headers[field.name.canonicalName] = .string(field.value) }
        let answer = JSONValue.object([
            "method": .string(request.method.rawValue), "path": .string(request.uri.path), "query": .string(request.uri.query ?? ""),
            "headers": .object(headers), "body": body.readableBytes == 0 ? .null : JSONValue(text: String(buffer: body)),
        ])
        return json(200, answer.text)
    }

    private func token(_ request: Request) async throws -> Response {
        let expected = "Basic " + Data("\(Self.clientID):\(Self.clientSecret)".utf8).base64EncodedString()
        let form = String(buffer: try await request.body.collect(upTo: 1 << 16))
        guard request.headers[.authorization] == expected, form.contains("grant_type=client_credentials") else {
            return Self.json(401, #"{"error": "invalid_client"}"#)
        }
        let number = state.withLock { state -> Int in
            state.tokensIssued += 1
            return state.tokensIssued
        }
        return Self.json(200, #"{"access_token": "token-\#(number)", "token_type": "bearer", "expires_in": 3600}"#)
    }

    static func json(_ status: Int, _ text: String) -> Response {
        Response(status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
