import Platform
import Providers
import QueueEngine
import ServerSupport

/// The networks of the load balancers in front of the API (`TRUSTED_PROXIES`: comma-separated
/// addresses or CIDR networks). Only a peer inside one of them may say, through `X-Forwarded-For`,
/// whom it forwards for; everyone else's header is ignored, so per-IP limits and audit rows cannot
/// be steered by a spoofed header.
struct TrustedProxies: Sendable {
    struct Network: Sendable {
        let base: IPAddress
        let bits: Int
    }

    let networks: [Network]

    static let none = TrustedProxies(networks: [])

    init(networks: [Network]) {
        self.networks = networks
    }

    init(parsing text: String) throws {
        networks = try text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map { entry in
            let parts = entry.split(separator: "/", maxSplits: 1).map(String.init)
            guard let base = IPAddress(parts[0]) else {
                throw ConfigurationError("TRUSTED_PROXIES", "\(entry) is not an IP address or CIDR network")
            }
            let width = if case .v4 = base { 32 } else { 128 }
            guard let bits = parts.count == 2 ? Int(parts[1]) : width, (0...width).contains(bits) else {
                throw ConfigurationError("TRUSTED_PROXIES", "\(entry) has a prefix length outside 0...\(width)")
            }
            return Network(base: base, bits: bits)
        }
    }

    /// Whether `address` (or the IPv4 address an `::ffff:a.b.c.d` one maps) is inside a network.
    func trusts(_ address: IPAddress) -> Bool {
        var candidates = [address]
        if case .v6(let bytes) = address, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff,
           let inner = address.embeddedIPv4 {
            candidates.append(inner)
        }
        return networks.contains { network in candidates.contains { $0.isInside(network.base, bits: network.bits) } }
    }

    /// The client's address: the socket peer, unless the peer is a trusted proxy; then the
    /// `X-Forwarded-For` hops are walked from the nearest, and the first one not trusted (or the
    /// farthest, when all are) is the client. A malformed hop ends the walk at the last good one.
    func clientAddress(peer: String?, forwardedFor headers: [String]) -> String? {
        guard !networks.isEmpty, let peer, var current = IPAddress(peer), trusts(current) else { return peer }
        let hops = headers.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() {
            guard trusts(current), let address = Self.address(hop) else { break }
            current = address
        }
        return current.description
    }

    /// A forwarded hop: an address, possibly with a port (`203.0.113.7:4711`, `[2001:db8::1]:4711`).
    static func address(_ hop: String) -> IPAddress? {
        if let address = IPAddress(hop) { return address }
        if hop.hasPrefix("["), let close = hop.firstIndex(of: "]") { return IPAddress(ipv6: String(hop[hop.index(after: hop.startIndex)..<close])) }
        if let colon = hop.firstIndex(of: ":"), hop.filter({ $0 == ":" }).count == 1 { return IPAddress(ipv4: String(hop[..<colon])) }
        return nil
    }
}
