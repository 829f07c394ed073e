import Foundation
import NIOPosix
#if canImport(Glibc)
import Glibc
import ServerSupport
#endif

/// Which user-controlled URLs (tools, webhooks, OAuth token endpoints) a request may go to. Only
/// http and https; the host is resolved here and every address it resolves to must be public
/// unicast — a name with one private address among public ones is refused, so a resolver cannot
/// pick the private one later. `OUTBOUND_ALLOWED_HOSTS` lets a self-hosted deployment reach named
/// internal hosts or networks (`tools.internal, 10.1.0.0/16, 127.0.0.2`).
public struct OutboundPolicy: Sendable {
    /// A URL or address the policy refuses, with the reason a tool's owner can act on.
    public struct Refusal: Error, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// Where a checked request connects: the host it names and the address that was checked.
    public struct Target: Sendable, Equatable {
        public let url: URL
        public let host: String
        public let address: IPAddress
    }

    public var allowedHosts: Set<String>
    public var allowedNetworks: [(address: IPAddress, bits: Int)]
    public var maxRedirects: Int

    public init(allowedHosts: Set<String> = [], allowedNetworks: [(address: IPAddress, bits: Int)] = [], maxRedirects: Int = 3) {
        self.allowedHosts = Set(allowedHosts.map { $0.lowercased() })
        self.allowedNetworks = allowedNetworks
        self.maxRedirects = maxRedirects
    }

    public init(environment: Environment) throws {
        var hosts: Set<String> = [], networks: [(address: IPAddress, bits: Int)] = []
        for entry in (environment["OUTBOUND_ALLOWED_HOSTS"] ?? "").split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) })
        where !entry.isEmpty {
            let parts = entry.split(separator: "/", maxSplits: 1).map(String.init)
            if let address = IPAddress(parts[0]) {
                let full = if case .v4 = address { 32 } else { 128 }
                guard let bits = parts.count == 2 ? Int(parts[1]) : full, (0...full).contains(bits) else {
                    throw ConfigurationError("OUTBOUND_ALLOWED_HOSTS", "\(entry) has an invalid prefix length")
                }
                networks.append((address, bits))
            } else if parts.count == 1, entry.range(of: #"^[A-Za-z0-9.-]+$"#, options: .regularExpression) != nil {
                hosts.insert(entry.lowercased())
            } else {
                throw ConfigurationError("OUTBOUND_ALLOWED_HOSTS", "\(entry) is neither a host name nor an address or network")
            }
        }
        self.init(allowedHosts: hosts, allowedNetworks: networks,
                  maxRedirects: try environment.int("OUTBOUND_MAX_REDIRECTS", default: 3, range: 0...10))
    }

    /// Checks a URL's form without resolving it (what a tool's save checks).
    public func checkForm(_ text: String) throws(Refusal) -> URL {
        guard text.utf8.count <= 2_048, let url = URL(string: text), let scheme = url.scheme?.lowercased() else {
            throw Refusal(reason: "is not an absolute URL")
        }
        guard scheme == "http" || scheme == "https" else { throw Refusal(reason: "must use http or https, not \(scheme)") }
        guard let host = url.host(percentEncoded: false), !host.isEmpty else { throw Refusal(reason: "has no host") }
        guard url.user == nil, url.password == nil else { throw Refusal(reason: "must not carry a user name or password; use the tool's auth") }
        if let address = IPAddress(host), refusal(of: address, host: host) != nil {
            throw Refusal(reason: "points at \(address.refusal ?? "a refused address") (\(address))")
        }
        return url
    }

    /// Resolves the URL's host and checks every address; the answer names the one to connect to.
    public func check(_ text: String) async throws(Refusal) -> Target {
        let url = try checkForm(text)
        let host = url.host(percentEncoded: false) ?? ""
        let addresses = if let literal = IPAddress(host) { [literal] } else { try await Self.resolve(host) }
        guard let first = addresses.first else { throw Refusal(reason: "\(host) does not resolve") }
        for address in addresses {
            if let reason = refusal(of: address, host: host) { throw Refusal(reason: "\(host) resolves to \(reason) (\(address))") }
        }
        return Target(url: url, host: host, address: first)
    }

    /// Why `address` is refused for `host`, or nil when the policy lets it through.
    func refusal(of address: IPAddress, host: String) -> String? {
        if allowedHosts.contains(host.lowercased()) { return nil }
        if allowedNetworks.contains(where: { address.isInside($0.address, bits: $0.bits) }) { return nil }
        if case .v6 = address, let inner = address.embeddedIPv4,
           allowedNetworks.contains(where: { inner.isInside($0.address, bits: $0.bits) }) { return nil }
        return address.refusal
    }

    /// Every address `getaddrinfo` gives for the host (numeric spellings such as `2130706433` or
    /// `0x7f.1` come back as the address they mean), off the cooperative threads.
    static func resolve(_ host: String) async throws(Refusal) -> [IPAddress] {
        let result: Result<[IPAddress], Refusal>
        do {
            result = try await NIOThreadPool.singleton.runIfActive { () -> Result<[IPAddress], Refusal> in
                var hints = addrinfo()
                hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
                var list: UnsafeMutablePointer<addrinfo>?
                let status = getaddrinfo(host, nil, &hints, &list)
                guard status == 0, let list else {
                    return .failure(Refusal(reason: "\(host) does not resolve (\(String(cString: gai_strerror(status))))"))
                }
                defer { freeaddrinfo(list) }
                var addresses: [IPAddress] = []
                var cursor: UnsafeMutablePointer<addrinfo>? = list
                while let entry = cursor {
                    if let socketAddress = entry.pointee.ai_addr {
                        switch Int32(socketAddress.pointee.sa_family) {
                        case AF_INET:
                            let value = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
                            addresses.append(.v4(UInt32(bigEndian: value)))
                        case AF_INET6:
                            let bytes = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                                withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
                            }
                            addresses.append(.v6(bytes))
                        default:
                            break
                        }
                    }
                    cursor = entry.pointee.ai_next
                }
                var seen = Set<IPAddress>()
                return .success(addresses.filter { seen.insert($0).inserted })
            }
        } catch {
            throw Refusal(reason: "\(host) could not be resolved")
        }
        return try result.get()
    }
}
