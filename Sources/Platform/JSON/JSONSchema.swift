import Foundation
import Providers
import ServerSupport

/// A JSON Schema (the 2020-12 validation keywords a tool's parameters need) checked once when a
/// tool is saved and then used to validate arguments. Keywords it does not enforce are refused
/// rather than ignored, so a schema never promises a check that does not happen.
///
/// Supported: `type` (one or a list), `enum`, `const`, `properties`, `required`,
/// `additionalProperties` (bool or schema), `minProperties`, `maxProperties`, `items`, `minItems`,
/// `maxItems`, `uniqueItems`, `minLength`, `maxLength`, `pattern`, `format` (see `Format`),
/// `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`, `allOf`, `anyOf`,
/// `oneOf`, `not`, `$defs` with local `$ref` (`#/$defs/name`), and the annotations `title`,
/// `description`, `default`, `examples`, `$schema`, `$id`, `$comment`.
public struct JSONSchema: @unchecked Sendable {
    /// A problem with the schema itself, at a JSON pointer into the schema.
    public struct SchemaError: Error, Equatable, CustomStringConvertible {
        public let path: String
        public let problem: String
        public var description: String { "\(path.isEmpty ? "/" : path): \(problem)" }
    }

    /// An argument that does not satisfy the schema, at a JSON pointer into the arguments.
    public struct Violation: Equatable, Sendable, CustomStringConvertible {
        public let path: String
        public let problem: String
        public var description: String { "\(path.isEmpty ? "/" : path): \(problem)" }
    }

    public enum Format: String, CaseIterable, Sendable {
        case email, uri, date, time, uuid, ipv4, ipv6, hostname
        case dateTime = "date-time"
    }

    static let types: Set<String> = ["string", "number", "integer", "boolean", "object", "array", "null"]
    static let annotations: Set<String> = ["title", "description", "default", "examples", "$schema", "$id", "$comment"]
    static let keywords: Set<String> = [
        "type", "enum", "const", "properties", "required", "additionalProperties", "minProperties", "maxProperties", "items",
        "minItems", "maxItems", "uniqueItems", "minLength", "maxLength", "pattern", "format", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "allOf", "anyOf", "oneOf", "not", "$defs", "$ref",
    ]
    /// Deeper schemas or arguments are refused: nothing a tool needs nests this far.
    public static let maxDepth = 32
    /// Validation stops collecting after this many violations.
    public static let maxViolations = 20
    /// Subschemas one schema may hold, and members of one `allOf`/`anyOf`/`oneOf`.
    public static let maxSubschemas = 1_000
    public static let maxApplicatorMembers = 32
    /// Counts (`minLength`, `maxItems`, …) above this describe nothing a call can send.
    public static let maxCount: Double = 2_147_483_647
    public static let maxPatternLength = 1_000
    /// Longer strings are not matched against a `pattern` (a violation instead).
    public static let maxPatternText = 100_000
    /// Steps (subschemas applied, items compared) one validation may take: a schema whose `$ref`s
    /// and applicators multiply the work fails the arguments with a clear violation instead of
    /// holding a thread for minutes.
    public static let maxSteps = 100_000

    public let root: JSONValue
    private let patterns: [String: NSRegularExpression]

    public init(_ schema: JSONValue) throws(SchemaError) {
        var patterns: [String: NSRegularExpression] = [:]
        var subschemas = 0
        try Self.check(schema, path: "", root: schema, depth: 0, patterns: &patterns, subschemas: &subschemas)
        try Self.checkReferenceCycles(schema)
        root = schema
        self.patterns = patterns
    }

    /// Every way `instance` breaks the schema (empty when it is valid), first ones first.
    public func validate(_ instance: JSONValue) -> [Violation] {
        var violations: [Violation] = []
        var steps = 0
        validate(instance, against: root, path: "", depth: 0, into: &violations, steps: &steps)
        if steps > Self.maxSteps {
            return [Violation(path: "", problem: "is too costly to check against this schema (more than \(Self.maxSteps) steps)")]
        }
        return violations
    }

    // MARK: Checking the schema

    private static func check(_ schema: JSONValue, path: String, root: JSONValue, depth: Int,
                              patterns: inout [String: NSRegularExpression], subschemas: inout Int) throws(SchemaError) {
        guard depth <= maxDepth else { throw SchemaError(path: path, problem: "nests deeper than \(maxDepth) levels") }
        subschemas += 1
        guard subschemas <= maxSubschemas else { throw SchemaError(path: path, problem: "the schema holds more than \(maxSubschemas) subschemas") }
        if case .bool = schema { return }
        guard case .object(let object) = schema else { throw SchemaError(path: path, problem: "a schema must be an object or a boolean") }
        for (key, value) in object.sorted(by: { $0.key < $1.key }) {
            let at = path + "/" + pointerEscape(key)
            if annotations.contains(key) { continue }
            guard keywords.contains(key) else { throw SchemaError(path: at, problem: "unsupported keyword \(key)") }
            switch key {
            case "type":
                let names: [JSONValue] = value.array ?? [value]
                guard !names.isEmpty, names.allSatisfy({ $0.string.map(types.contains) == true }) else {
                    throw SchemaError(path: at, problem: "must be one of \(types.sorted().joined(separator: ", ")) or a list of them")
                }
            case "enum":
                guard let values = value.array, !values.isEmpty else { throw SchemaError(path: at, problem: "must be a non-empty array") }
            case "const":
                break
            case "properties", "$defs":
                guard let members = value.object else { throw SchemaError(path: at, problem: "must be an object of schemas") }
                for (name, member) in members {
                    try check(member, path: at + "/" + pointerEscape(name), root: root, depth: depth + 1, patterns: &patterns,
                              subschemas: &subschemas)
                }
            case "required":
                guard let names = value.array, names.allSatisfy({ $0.string != nil }), Set(names.compactMap(\.string)).count == names.count else {
                    throw SchemaError(path: at, problem: "must be an array of distinct property names")
                }
            case "additionalProperties", "items", "not":
                try check(value, path: at, root: root, depth: depth + 1, patterns: &patterns, subschemas: &subschemas)
            case "allOf", "anyOf", "oneOf":
                guard let members = value.array, !members.isEmpty, members.count <= maxApplicatorMembers else {
                    throw SchemaError(path: at, problem: "must be a non-empty array of at most \(maxApplicatorMembers) schemas")
                }
                for (index, member) in members.enumerated() {
                    try check(member, path: "\(at)/\(index)", root: root, depth: depth + 1, patterns: &patterns, subschemas: &subschemas)
                }
            case "minProperties", "maxProperties", "minItems", "maxItems", "minLength", "maxLength":
                guard let number = value.number, number >= 0, number <= maxCount, number.rounded() == number else {
                    throw SchemaError(path: at, problem: "must be an integer from 0 to \(Int(maxCount))")
                }
            case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
                guard value.number?.isFinite == true else { throw SchemaError(path: at, problem: "must be a number") }
            case "multipleOf":
                guard let number = value.number, number > 0, number.isFinite else { throw SchemaError(path: at, problem: "must be a number above 0") }
            case "uniqueItems":
                guard value.bool != nil else { throw SchemaError(path: at, problem: "must be true or false") }
            case "pattern":
                guard let source = value.string, source.count <= maxPatternLength, let regex = try? NSRegularExpression(pattern: source) else {
                    throw SchemaError(path: at, problem: "must be a valid regular expression of at most \(maxPatternLength) characters")
                }
                // A quantified group that holds a quantifier (`(a+)+`, `(\w*x)*`) backtracks
                // exponentially on a near-match; the matcher cannot be interrupted, so such patterns
                // are refused rather than run.
                if source.range(of: #"\((?:[^()\\]|\\.)*[*+](?:[^()\\]|\\.)*\)[*+{]"#, options: .regularExpression) != nil {
                    throw SchemaError(path: at, problem: "must not repeat a group that itself repeats (such as (a+)+): it can take exponential time")
                }
                patterns[source] = regex
            case "format":
                guard let name = value.string, Format(rawValue: name) != nil else {
                    throw SchemaError(path: at, problem: "must be one of \(Format.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            case "$ref":
                guard let reference = value.string, resolve(reference, in: root) != nil else {
                    throw SchemaError(path: at, problem: "must point into this schema's $defs, as #/$defs/name")
                }
            default:
                break
            }
        }
    }

    /// Refuses `$ref` loops that come back to a definition without descending into the arguments
    /// (through `properties`, `items` or `additionalProperties`): such a loop never ends.
    private static func checkReferenceCycles(_ root: JSONValue) throws(SchemaError) {
        guard let definitions = root["$defs"]?.object else { return }
        /// The definitions a schema reaches without descending into the instance.
        func references(_ schema: JSONValue, into found: inout Set<String>) {
            guard case .object(let keywords) = schema else { return }
            if let reference = keywords["$ref"]?.string, reference.hasPrefix("#/$defs/") {
                found.insert(String(reference.dropFirst("#/$defs/".count)).replacingOccurrences(of: "~1", with: "/")
                    .replacingOccurrences(of: "~0", with: "~"))
            }
            for key in ["allOf", "anyOf", "oneOf"] { for member in keywords[key]?.array ?? [] { references(member, into: &found) } }
            if let negated = keywords["not"] { references(negated, into: &found) }
        }
        var edges: [String: Set<String>] = [:]
        for (name, schema) in definitions {
            var found = Set<String>()
            references(schema, into: &found)
            edges[name] = found
        }
        var state: [String: Bool] = [:]  // false: on the current path, true: done
        func visit(_ name: String) -> Bool {
            if let done = state[name] { return !done }
            state[name] = false
            for next in edges[name] ?? [] where visit(next) { return true }
            state[name] = true
            return false
        }
        for name in definitions.keys.sorted() where visit(name) {
            throw SchemaError(path: "/$defs/" + pointerEscape(name),
                              problem: "$ref loops back here without descending into properties or items, so validation would never end")
        }
    }

    /// `#/$defs/name` (only local definitions: a tool's schema never fetches another document).
    private static func resolve(_ reference: String, in root: JSONValue) -> JSONValue? {
        let prefix = "#/$defs/"
        guard reference.hasPrefix(prefix) else { return nil }
        let name = String(reference.dropFirst(prefix.count)).replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        return root["$defs"]?[name]
    }

    static func pointerEscape(_ key: String) -> String {
        key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    // MARK: Validating an instance

    private func validate(_ instance: JSONValue, against schema: JSONValue, path: String, depth: Int,
                          into violations: inout [Violation], steps: inout Int) {
        func fail(_ problem: String, at where: String = path) {
            if violations.count < Self.maxViolations { violations.append(Violation(path: `where`, problem: problem)) }
        }
        steps += 1
        guard steps <= Self.maxSteps else { return }
        guard depth <= Self.maxDepth else { return fail("nests deeper than \(Self.maxDepth) levels") }
        if case .bool(let allowed) = schema {
            if !allowed { fail("is not allowed here") }
            return
        }
        guard case .object(let keywords) = schema else { return }
        if let reference = keywords["$ref"]?.string, let target = Self.resolve(reference, in: root) {
            validate(instance, against: target, path: path, depth: depth + 1, into: &violations, steps: &steps)
        }
        if let type = keywords["type"] {
            let names = (type.array ?? [type]).compactMap(\.string)
            guard names.contains(where: { Self.matches(instance, type: $0) }) else {
                return fail("must be \(names.count == 1 ? "a value of type \(names[0])" : "one of the types \(names.joined(separator: ", "))")"
                            + ", not \(Self.typeName(instance))")
            }
        }
        if let options = keywords["enum"]?.array, !options.contains(where: { Self.equal($0, instance) }) {
            fail("must be one of \(options.prefix(10).map(\.text).joined(separator: ", "))\(options.count > 10 ? ", …" : "")")
        }
        if let constant = keywords["const"], !Self.equal(constant, instance) { fail("must be \(constant.text)") }

        switch instance {
        case .string(let text):
            let length = text.unicodeScalars.count
            if let minimum = keywords["minLength"]?.number, Double(length) < minimum {
                fail("must be at least \(Self.show(minimum)) characters long")
            }
            if let maximum = keywords["maxLength"]?.number, Double(length) > maximum { fail("must be at most \(Self.show(maximum)) characters long") }
            if let source = keywords["pattern"]?.string, let regex = patterns[source] {
                // Matching costs about one step per character; very long texts are not matched.
                steps += length / 64
                if length > Self.maxPatternText {
                    fail("is too long to match against a pattern (more than \(Self.maxPatternText) characters)")
                } else if regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
                    fail("must match the pattern \(source)")
                }
            }
            if let name = keywords["format"]?.string, let format = Format(rawValue: name), !Self.conforms(text, to: format) {
                fail("must be a valid \(name)")
            }
        case .number(let number):
            if let minimum = keywords["minimum"]?.number, number < minimum { fail("must be at least \(Self.show(minimum))") }
            if let maximum = keywords["maximum"]?.number, number > maximum { fail("must be at most \(Self.show(maximum))") }
            if let minimum = keywords["exclusiveMinimum"]?.number, number <= minimum { fail("must be greater than \(Self.show(minimum))") }
            if let maximum = keywords["exclusiveMaximum"]?.number, number >= maximum { fail("must be less than \(Self.show(maximum))") }
            if let divisor = keywords["multipleOf"]?.number {
                let quotient = number / divisor
                if abs(quotient - quotient.rounded()) > 1e-9 * max(1, abs(quotient)) { fail("must be a multiple of \(Self.show(divisor))") }
            }
        case .array(let items):
            if let minimum = keywords["minItems"]?.number, Double(items.count) < minimum { fail("must have at least \(Self.show(minimum)) items") }
            if let maximum = keywords["maxItems"]?.number, Double(items.count) > maximum { fail("must have at most \(Self.show(maximum)) items") }
            if keywords["uniqueItems"]?.bool == true {
                // By canonical text (sorted keys, one spelling per number), one step per item.
                var seen: [String: Int] = [:]
                for (index, item) in items.enumerated() {
                    steps += 1
                    if steps > Self.maxSteps { break }
                    if let first = seen.updateValue(index, forKey: item.text) {
                        fail("items \(first) and \(index) are equal; items must be unique")
                        break
                    }
                }
            }
            if let itemSchema = keywords["items"] {
                for (index, item) in items.enumerated() {
                    validate(item, against: itemSchema, path: "\(path)/\(index)", depth: depth + 1, into: &violations, steps: &steps)
                }
            }
        case .object(let members):
            if let minimum = keywords["minProperties"]?.number, Double(members.count) < minimum {
                fail("must have at least \(Self.show(minimum)) properties")
            }
            if let maximum = keywords["maxProperties"]?.number, Double(members.count) > maximum {
                fail("must have at most \(Self.show(maximum)) properties")
            }
            for name in keywords["required"]?.array?.compactMap(\.string) ?? [] where members[name] == nil {
                fail("is required", at: path + "/" + Self.pointerEscape(name))
            }
            let properties = keywords["properties"]?.object ?? [:]
            for (name, value) in members.sorted(by: { $0.key < $1.key }) {
                let at = path + "/" + Self.pointerEscape(name)
                if let propertySchema = properties[name] {
                    validate(value, against: propertySchema, path: at, depth: depth + 1, into: &violations, steps: &steps)
                } else if let additional = keywords["additionalProperties"] {
                    if additional == .bool(false) {
                        fail("is not a known property", at: at)
                    } else {
                        validate(value, against: additional, path: at, depth: depth + 1, into: &violations, steps: &steps)
                    }
                }
            }
        case .bool, .null:
            break
        }

        for member in keywords["allOf"]?.array ?? [] {
            validate(instance, against: member, path: path, depth: depth + 1, into: &violations, steps: &steps)
        }
        if let members = keywords["anyOf"]?.array, !members.contains(where: { passes(instance, $0, path: path, depth: depth, steps: &steps) }) {
            fail("must match at least one of the \(members.count) schemas in anyOf")
        }
        if let members = keywords["oneOf"]?.array {
            var matching = 0
            for member in members where passes(instance, member, path: path, depth: depth, steps: &steps) { matching += 1 }
            if matching != 1 { fail("must match exactly one of the \(members.count) schemas in oneOf (matches \(matching))") }
        }
        if let negated = keywords["not"], passes(instance, negated, path: path, depth: depth, steps: &steps) {
            fail("must not match the schema in not")
        }
    }

    private func passes(_ instance: JSONValue, _ schema: JSONValue, path: String, depth: Int, steps: inout Int) -> Bool {
        var scratch: [Violation] = []
        validate(instance, against: schema, path: path, depth: depth + 1, into: &scratch, steps: &steps)
        return scratch.isEmpty
    }

    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("string", .string), ("boolean", .bool), ("object", .object), ("array", .array), ("null", .null), ("number", .number): true
        case ("integer", .number(let number)): number.isFinite && number.rounded() == number
        default: false
        }
    }

    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .number(let number): number.rounded() == number ? "integer" : "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// JSON equality: numbers by value, objects regardless of key order.
    static func equal(_ left: JSONValue, _ right: JSONValue) -> Bool { left == right }

    static func show(_ number: Double) -> String {
        number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }

    static func conforms(_ text: String, to format: Format) -> Bool {
        func whole(_ pattern: String) -> Bool { text.range(of: "^(?:\(pattern))$", options: .regularExpression) != nil }
        switch format {
        case .email:
            return text.utf8.count <= 254 && whole(#"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"#
                                                   + #"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"#)
        case .uri:
            guard let components = URLComponents(string: text), let scheme = components.scheme, !scheme.isEmpty else { return false }
            return whole(#"[A-Za-z][A-Za-z0-9+.-]*:[^\s]*"#)
        case .dateTime:
            guard whole(#"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})"#) else { return false }
            let normalized = text.replacingOccurrences(of: #"\.\d+"#, with: "", options: .regularExpression).uppercased()
            return (try? Date(normalized, strategy: .iso8601)) != nil
        case .date:
            guard whole(#"\d{4}-\d{2}-\d{2}"#) else { return false }
            return (try? Date("\(text)T00:00:00Z", strategy: .iso8601)) != nil && validDay(text)
        case .time:
            return whole(#"(?:[01]\d|2[0-3]):[0-5]\d:(?:[0-5]\d|60)(?:\.\d+)?(?:[Zz]|[+-](?:[01]\d|2[0-3]):[0-5]\d)"#)
        case .uuid:
            return UUID(uuidString: text) != nil && text.count == 36
        case .ipv4:
            return whole(#"(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"#)
        case .ipv6:
            return IPAddress(ipv6: text) != nil
        case .hostname:
            return text.utf8.count <= 253 && whole(#"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"#
                                                   + #"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"#)
        }
    }

    /// A calendar day that exists (no 2026-02-30).
    private static func validDay(_ text: String) -> Bool {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]) else { return false }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])) else { return false }
        return calendar.component(.day, from: date) == parts[2] && calendar.component(.month, from: date) == parts[1]
    }
}
