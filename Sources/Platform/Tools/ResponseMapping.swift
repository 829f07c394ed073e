import Foundation
import ServerSupport

/// Turns a tool's answer into what the assistant gets: JSON answers as JSON (only the configured
/// fields when there are any, each by a dotted path such as `current.temp` or `items.0.name`),
/// anything else as text. A truncated JSON answer cannot be parsed and comes back as text.
public enum ResponseMapping {
    public static func map(_ body: Data, truncated: Bool, contentType: String?, fields: [String]) -> JSONValue {
        let text = String(decoding: body, as: UTF8.self)
        let looksJSON = contentType?.lowercased().contains("json") == true || text.first.map { "{[".contains($0) } == true
        guard looksJSON, !truncated, let value = try? JSONDecoder().decode(JSONValue.self, from: body) else {
            return .string(text)
        }
        guard !fields.isEmpty else { return value }
        var picked: [String: JSONValue] = [:]
        for field in fields { picked[field] = value.at(path: field) ?? .null }
        return .object(picked)
    }

    /// Checks a field path when a tool is saved.
    public static func isValidPath(_ path: String) -> Bool {
        path.range(of: #"^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+){0,15}$"#, options: .regularExpression) != nil
    }
}

extension JSONValue {
    /// The value at a dotted path (`a.b.0.c`; a number indexes an array).
    func at(path: String) -> JSONValue? {
        var current: JSONValue? = self
        for part in path.split(separator: ".") {
            switch current {
            case .object(let object): current = object[String(part)]
            case .array(let items): current = Int(part).flatMap { items.indices.contains($0) ? items[$0] : nil }
            default: return nil
            }
        }
        return current
    }
}
