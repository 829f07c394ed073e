import Foundation

/// `application/x-www-form-urlencoded` as ordered name/value pairs: providers' REST APIs take it,
/// and their webhooks send it (order and repeated names matter for request signatures).
public enum FormURLEncoding {
    /// Unreserved characters stay; everything else is percent-encoded (a space as `%20`).
    private static let unreserved = CharacterSet(charactersIn:
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    public static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    public static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    /// The pairs of a body in their order; `+` is a space. Nil when an escape is malformed.
    public static func decode(_ body: String) -> [(String, String)]? {
        var pairs: [(String, String)] = []
        for part in body.split(separator: "&", omittingEmptySubsequences: true) {
            let halves = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = unescape(halves[0]) else { return nil }
            guard let value = halves.count > 1 ? unescape(halves[1]) : "" else { return nil }
            pairs.append((name, value))
        }
        return pairs
    }

    /// The first value named `name` among decoded pairs.
    public static func value(_ name: String, in pairs: [(String, String)]) -> String? {
        pairs.first(where: { $0.0 == name })?.1
    }

    private static func unescape(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
