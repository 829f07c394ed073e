import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 address as the resolver returned it, with the ranges an outbound request to a
/// user's URL must never reach (loopback, private, link-local, multicast, unspecified, reserved).
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(UInt32)
    case v6([UInt8])

    /// Strict dotted-quad IPv4 (`127.0.0.1`; not the `2130706433` or `0x7f.1` spellings, which
    /// only the resolver expands — and its answer is what gets checked).
    public init?(ipv4 text: String) {
        var address = in_addr()
        guard text.range(of: #"^\d{1,3}(\.\d{1,3}){3}$"#, options: .regularExpression) != nil,
              inet_pton(AF_INET, text, &address) == 1 else { return nil }
        self = .v4(UInt32(bigEndian: address.s_addr))
    }

    public init?(ipv6 text: String) {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        self = .v6(withUnsafeBytes(of: &address) { Array($0) })
    }

    /// Either family, with or without the brackets of a URL's IPv6 host.
    public init?(_ text: String) {
        let bare = text.hasPrefix("[") && text.hasSuffix("]") ? String(text.dropFirst().dropLast()) : text
        if let v4 = IPAddress(ipv4: bare) { self = v4 } else if let v6 = IPAddress(ipv6: bare) { self = v6 } else { return nil }
    }

    public var description: String {
        switch self {
        case .v4(let value):
            return [24, 16, 8, 0].map { String((value >> UInt32($0)) & 0xff) }.joined(separator: ".")
        case .v6(let bytes):
            var address = in6_addr()
            withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes) }
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
            return String(cString: buffer)
        }
    }

    /// The IPv4 address an IPv6 one carries: `::ffff:a.b.c.d` (mapped), `::a.b.c.d` (compatible),
    /// `64:ff9b::a.b.c.d` (NAT64) and `2002:AABB:CCDD::` (6to4) all reach that IPv4 host.
    public var embeddedIPv4: IPAddress? {
        guard case .v6(let b) = self else { return nil }
        func v4(_ offset: Int) -> IPAddress {
            .v4(UInt32(b[offset]) << 24 | UInt32(b[offset + 1]) << 16 | UInt32(b[offset + 2]) << 8 | UInt32(b[offset + 3]))
        }
        if b[0..<10].allSatisfy({ $0 == 0 }), b[10] == 0xff, b[11] == 0xff { return v4(12) }
        if b[0..<12].allSatisfy({ $0 == 0 }), !(b[12..<15].allSatisfy { $0 == 0 }) { return v4(12) }
        if b[0] == 0x00, b[1] == 0x64, b[2] == 0xff, b[3] == 0x9b, b[4..<12].allSatisfy({ $0 == 0 }) { return v4(12) }
        if b[0] == 0x20, b[1] == 0x02 { return v4(2) }
        return nil
    }

    /// Why a request must not go to this address, or nil when it may (a public unicast address).
    public var refusal: String? {
        switch self {
        case .v4(let value):
            for (network, bits, name) in Self.refusedIPv4 where Self.prefixMatches(value, network, bits) { return name }
            return nil
        case .v6(let bytes):
            if let inner = embeddedIPv4 {
                if let reason = inner.refusal { return "\(reason) (inside an IPv6 address)" }
                return nil
            }
            for (network, bits, name) in Self.refusedIPv6 where Self.prefixMatches(bytes, network, bits) { return name }
            return nil
        }
    }

    public func isInside(_ network: IPAddress, bits: Int) -> Bool {
        switch (self, network) {
        case (.v4(let value), .v4(let base)): Self.prefixMatches(value, base, bits)
        case (.v6(let value), .v6(let base)): Self.prefixMatches(value, base, bits)
        default: false
        }
    }

    static let refusedIPv4: [(UInt32, Int, String)] = [
        (0x0000_0000, 8, "an unspecified (0.0.0.0/8) address"), (0x0a00_0000, 8, "a private (10/8) address"),
        (0x6440_0000, 10, "a shared (100.64/10) address"), (0x7f00_0000, 8, "a loopback address"),
        (0xa9fe_0000, 16, "a link-local (169.254/16) address"), (0xac10_0000, 12, "a private (172.16/12) address"),
        (0xc000_0000, 24, "an IETF-reserved (192.0.0/24) address"), (0xc000_0200, 24, "a documentation address"),
        (0xc0a8_0000, 16, "a private (192.168/16) address"), (0xc612_0000, 15, "a benchmarking (198.18/15) address"),
        (0xc633_6400, 24, "a documentation address"), (0xcb00_7100, 24, "a documentation address"),
        (0xe000_0000, 4, "a multicast address"), (0xf000_0000, 4, "a reserved (240/4) or broadcast address"),
    ]

    static let refusedIPv6: [([UInt8], Int, String)] = [
        ([UInt8](repeating: 0, count: 16), 128, "the unspecified address (::)"),
        ([UInt8](repeating: 0, count: 15) + [1], 128, "a loopback address"),
        ([UInt8](repeating: 0, count: 16), 96, "an IPv4-compatible address"),
        ([0x01, 0x00] + [UInt8](repeating: 0, count: 14), 64, "a discard-only (100::/64) address"),
        ([0x20, 0x01, 0x00, 0x00] + [UInt8](repeating: 0, count: 12), 32, "a Teredo address"),
        ([0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 12), 32, "a documentation address"),
        ([0xfc] + [UInt8](repeating: 0, count: 15), 7, "a unique-local (fc00::/7) address"),
        ([0xfe, 0x80] + [UInt8](repeating: 0, count: 14), 10, "a link-local (fe80::/10) address"),
        ([0xfe, 0xc0] + [UInt8](repeating: 0, count: 14), 10, "a site-local (fec0::/10) address"),
        ([0xff] + [UInt8](repeating: 0, count: 15), 8, "a multicast address"),
    ]

    static func prefixMatches(_ value: UInt32, _ network: UInt32, _ bits: Int) -> Bool {
        guard bits > 0 else { return true }
        let mask: UInt32 = bits >= 32 ? .max : ~(UInt32.max >> UInt32(bits))
        return value & mask == network & mask
    }

    static func prefixMatches(_ value: [UInt8], _ network: [UInt8], _ bits: Int) -> Bool {
        guard value.count == 16, network.count == 16 else { return false }
        var remaining = bits
        for index in 0..<16 where remaining > 0 {
            let take = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xff << (8 - take))
            if value[index] & mask != network[index] & mask { return false }
            remaining -= take
        }
        return true
    }
}
