/// Typed reads of an environment dictionary; each failure names the variable.
public struct Environment: Sendable {
    public let values: [String: String]

    public init(_ values: [String: String]) { self.values = values }

    public subscript(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    public func string(_ name: String, default fallback: String) -> String { self[name] ?? fallback }

    public func int(_ name: String, default fallback: Int, range: ClosedRange<Int> = 0...Int.max) throws -> Int {
        guard let text = self[name] else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(name, "expected an integer in \(range.lowerBound)...\(range.upperBound), got \"\(text)\"")
        }
        return value
    }

    /// `true`/`1` or `false`/`0`.
    public func bool(_ name: String, default fallback: Bool) throws -> Bool {
        switch self[name] {
        case nil: return fallback
        case "true", "1": return true
        case "false", "0": return false
        case let text?: throw ConfigurationError(name, "expected true or false, got \"\(text)\"")
        }
    }

    /// A duration given in milliseconds.
    public func milliseconds(_ name: String, default fallback: Duration, minimum: Int = 1) throws -> Duration {
        guard self[name] != nil else { return fallback }
        return .milliseconds(try int(name, default: 0, range: minimum...Int(Int32.max)))
    }

    public func seconds(_ name: String, default fallback: Duration, minimum: Int = 1) throws -> Duration {
        guard self[name] != nil else { return fallback }
        return .seconds(try int(name, default: 0, range: minimum...Int(Int32.max)))
    }
}
