import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ServerSupport

/// Sends a request to a user-controlled URL under the `OutboundPolicy`: the host is resolved and
/// checked first, the connection goes to the address that was checked (AsyncHTTPClient's DNS
/// override, so TLS still verifies the host name), redirects are followed by hand and each hop is
/// checked again, and the answer is read up to a byte limit within one deadline.
public struct OutboundHTTP: Sendable {
    public struct Request: Sendable {
        public var method: HTTPMethod
        public var url: String
        public var headers: HTTPHeaders
        public var body: Data?
        /// Headers that carry credentials besides `Authorization` and `Cookie` (a tool's API-key
        /// header): dropped, like those two, when a redirect leaves the host.
        public var credentialHeaders: [String]
        /// What the request is for, its `operation` in the provider metrics (`tool`, `webhook`, `oauth`).
        public var purpose: String

        public init(method: HTTPMethod, url: String, headers: HTTPHeaders = [:], body: Data? = nil, credentialHeaders: [String] = [],
                    purpose: String = "request") {
            self.purpose = purpose
            self.method = method
            self.url = url
            self.headers = headers
            self.body = body
            self.credentialHeaders = credentialHeaders
        }
    }

    public struct Response: Sendable {
        public let status: Int
        public let headers: HTTPHeaders
        public let body: Data
        /// The answer was longer than the limit; `body` is its first bytes.
        public let truncated: Bool
        /// The URL that answered (after redirects) and the address it was reached at.
        public let url: URL
        public let address: IPAddress
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case refused(String)
        case timedOut
        case network(String)
        case tooManyRedirects(Int)

        public var description: String {
            switch self {
            case .refused(let reason): "refused: \(reason)"
            case .timedOut: "no answer within the timeout"
            case .network(let detail): "network error: \(detail)"
            case .tooManyRedirects(let count): "more than \(count) redirects"
            }
        }
    }

    public let policy: OutboundPolicy
    /// Sent as `User-Agent` on every request.
    public static let userAgent = "VoicePartnerAI/1.0"

    public init(policy: OutboundPolicy) {
        self.policy = policy
    }

    /// Counted and timed under the provider `outbound` with the request's purpose, redirects included.
    public func send(_ request: Request, timeout: Duration, maxBytes: Int) async throws(Failure) -> Response {
        // Every hop of its redirects carries the one client span's traceparent.
        let measured = MeasuredRequest(provider: "outbound", operation: request.purpose)
        let result: Result<Response, Failure>
        do {
            result = .success(try await TraceContext.$current.withValue(measured.span ?? TraceContext.current) {
                try await follow(request, timeout: timeout, maxBytes: maxBytes)
            })
        } catch let failure as Failure {
            result = .failure(failure)
        } catch {
            result = .failure(.network(String(describing: error)))
        }
        switch result {
        case .success(let response): measured.finish(status: response.status)
        case .failure(let failure): measured.finish(status: nil, error: failure.description)
        }
        return try result.get()
    }

    private func follow(_ request: Request, timeout: Duration, maxBytes: Int) async throws(Failure) -> Response {
        let deadline = NIODeadline.now() + .nanoseconds(Int64(timeout.seconds * 1e9))
        var current = request
        var redirects = 0
        while true {
            let target = try await check(current.url, deadline: deadline)
            let response = try await once(current, target: target, deadline: deadline, maxBytes: maxBytes)
            guard [301, 302, 303, 307, 308].contains(response.status), let location = response.headers.first(name: "location") else {
                return response
            }
            guard redirects < policy.maxRedirects else { throw .tooManyRedirects(policy.maxRedirects) }
            redirects += 1
            guard let next = URL(string: location, relativeTo: target.url)?.absoluteURL else {
                throw .refused("the redirect to \(location) is not a URL")
            }
            if next.host(percentEncoded: false)?.lowercased() != target.host.lowercased() {
                for name in ["Authorization", "Cookie"] + current.credentialHeaders { current.headers.remove(name: name) }
            }
            if response.status == 303 || ((response.status == 301 || response.status == 302) && current.method == .POST) {
                current.method = .GET
                current.body = nil
                current.headers.remove(name: "Content-Type")
            }
            current.url = next.absoluteString
        }
    }

    /// Resolves and checks within the deadline: `getaddrinfo` cannot be cancelled, so a resolver
    /// that hangs is left to finish on its thread while the call ends as timed out.
    private func check(_ url: String, deadline: NIODeadline) async throws(Failure) -> OutboundPolicy.Target {
        let policy = self.policy
        let remaining = max(deadline.uptimeNanoseconds, NIODeadline.now().uptimeNanoseconds) - NIODeadline.now().uptimeNanoseconds
        do {
            return try await Deadline.run(within: .nanoseconds(Int64(remaining))) { try await policy.check(url) }
        } catch {
            if error is Deadline.Exceeded { throw .timedOut }
            throw .refused((error as? OutboundPolicy.Refusal)?.reason ?? "\(error)")
        }
    }

    private func once(_ request: Request, target: OutboundPolicy.Target, deadline: NIODeadline, maxBytes: Int) async throws(Failure) -> Response {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .enabled(limit: .size(max(maxBytes * 4, 1 << 20)))
        if IPAddress(target.host) == nil { configuration.dnsOverride = [target.host: target.address.description] }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let result: Result<Response, Failure>
        do {
            result = .success(try await exchange(request, target: target, client: client, deadline: deadline, maxBytes: maxBytes))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            result = .failure(.timedOut)
        } catch {
            result = .failure(NIODeadline.now() >= deadline ? .timedOut : .network(String(describing: error)))
        }
        try? await client.shutdown()
        return try result.get()
    }

    private func exchange(_ request: Request, target: OutboundPolicy.Target, client: HTTPClient, deadline: NIODeadline,
                          maxBytes: Int) async throws -> Response {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = request.method
        outgoing.headers = request.headers
        if !outgoing.headers.contains(name: "User-Agent") { outgoing.headers.add(name: "User-Agent", value: Self.userAgent) }
        outgoing.headers.addTraceContext()
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(outgoing, deadline: deadline)
        var collected = Data()
        var truncated = false
        for try await chunk in response.body {
            let room = maxBytes - collected.count
            if chunk.readableBytes > room {
                collected.append(contentsOf: chunk.readableBytesView.prefix(room))
                truncated = true
                break
            }
            collected.append(contentsOf: chunk.readableBytesView)
        }
        return Response(status: Int(response.status.code), headers: response.headers, body: collected, truncated: truncated,
                        url: target.url, address: target.address)
    }
}
