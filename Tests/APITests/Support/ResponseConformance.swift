@testable import API
import Foundation
import HTTPTypes
import ServerSupport

/// Holds every answer the API tests receive to the OpenAPI document: the status must be one the
/// operation documents (or an error), and the body must follow the schema documented for it, with no
/// field the document does not name. `APIHarness.call` checks each answer, so every test that calls
/// a route also checks the document describes what that route really sends.
enum ResponseConformance {
    static let document = APIDocument.document

    /// The documented operation a request reached, preferring literal segments over parameters
    /// (`/api/jobs/activity` over `/api/jobs/{job}`); nil for paths the document does not describe.
    static func route(method: HTTPRequest.Method, path: String) -> APIDocument.Operation? {
        let path = path.prefix { $0 != "?" }
        guard !path.contains("//") else { return nil }
        let segments = path.split(separator: "/")
        return APIDocument.operations.filter { operation in
            let template = operation.path.split(separator: "/")
            return operation.method == method.rawValue.lowercased() && template.count == segments.count
                && zip(template, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }.max { literals($0) < literals($1) }
    }

    static func literals(_ operation: APIDocument.Operation) -> Int { operation.path.split(separator: "/").filter { !$0.hasPrefix("{") }.count }

    /// What is wrong with an answer, or nil when it follows the document.
    static func problem(method: HTTPRequest.Method, path: String, status: Int, contentType: String?, body: String) -> String? {
        guard let operation = route(method: method, path: path) else { return nil }
        let name = "\(operation.method.uppercased()) \(operation.path) answered \(status)"
        guard let responses = document["paths"]?[operation.path]?[operation.method]?["responses"] else { return "\(name): not documented" }
        let media = contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) }
        let response: JSONValue
        if let documented = responses[String(status)] {
            response = documented
        } else if status >= 400 {
            guard let error = responses["default"] else { return "\(name): no error response documented" }
            response = error
        } else {
            return "\(name), a status the document does not list"
        }
        guard case .object(let content)? = response["content"] else {
            return body.isEmpty ? nil : "\(name) with a body where the document has none"
        }
        guard let media, let schema = content[media]?["schema"] else {
            return "\(name) as \(contentType ?? "no content type"); documented: \(content.keys.sorted())"
        }
        guard media == "application/json" else { return nil }
        let value = JSONValue(text: body)
        let problems = JSONSchemaCheck(components: document["components"]?["schemas"] ?? .null).problems(value, schema, at: "$")
        return problems.isEmpty ? nil : "\(name): \(problems.prefix(5).joined(separator: "; ")) in \(body.prefix(400))"
    }
}

/// The part of JSON Schema the document uses: `$ref`, `type` (one or several), `enum`, `format`
/// (uuid, date-time), `pattern`, the length, size and range bounds, `properties`, `required`,
/// `additionalProperties` and `items`.
struct JSONSchemaCheck {
    let components: JSONValue

    func problems(_ value: JSONValue, _ schema: JSONValue, at path: String) -> [String] {
        if let reference = schema["$ref"]?.string {
            guard let target = components[String(reference.split(separator: "/").last ?? "")] else { return ["\(path): no \(reference)"] }
            return problems(value, target, at: path)
        }
        if let types = schema["type"] {
            let allowed: [String] = if case .array(let names) = types { names.compactMap(\.string) } else { [types.string ?? ""] }
            guard allowed.contains(where: { Self.isType(value, $0) }) else { return ["\(path): \(Self.describe(value)) is not \(allowed)"] }
        }
        if case .array(let options)? = schema["enum"], !options.contains(value) {
            return ["\(path): \(value.text) is not one of \(options.map(\.text))"]
        }
        if case .string(let text) = value {
            if schema["format"]?.string == "uuid", UUID(uuidString: text) == nil { return ["\(path): \(text) is not a uuid"] }
            if schema["format"]?.string == "date-time", !Self.isTimestamp(text) { return ["\(path): \(text) is not a date-time"] }
            if let pattern = schema["pattern"]?.string {
                guard let regex = try? Regex(pattern) else { return ["\(path): the pattern \(pattern) does not compile"] }
                if text.firstMatch(of: regex) == nil { return ["\(path): \(text) does not match \(pattern)"] }
            }
            if let least = schema["minLength"]?.number, Double(text.count) < least { return ["\(path): shorter than \(least)"] }
            if let most = schema["maxLength"]?.number, Double(text.count) > most { return ["\(path): longer than \(most)"] }
        }
        if case .number(let number) = value {
            if let least = schema["minimum"]?.number, number < least { return ["\(path): \(number) is below \(least)"] }
            if let most = schema["maximum"]?.number, number > most { return ["\(path): \(number) is above \(most)"] }
            if let above = schema["exclusiveMinimum"]?.number, number <= above { return ["\(path): \(number) is not above \(above)"] }
        }
        if case .array(let items) = value {
            if let least = schema["minItems"]?.number, Double(items.count) < least { return ["\(path): fewer than \(least) items"] }
            if let most = schema["maxItems"]?.number, Double(items.count) > most { return ["\(path): more than \(most) items"] }
        }
        if case .object(let fields) = value, let least = schema["minProperties"]?.number, Double(fields.count) < least {
            return ["\(path): fewer than \(least) fields"]
        }
        var found: [String] = []
        if case .object(let fields) = value {
            let properties: [String: JSONValue] = if case .object(let named)? = schema["properties"] { named } else { [:] }
            if case .array(let required)? = schema["required"] {
                for name in required.compactMap(\.string) where fields[name] == nil { found.append("\(path).\(name) is missing") }
            }
            for (name, field) in fields {
                if let property = properties[name] {
                    found += problems(field, property, at: "\(path).\(name)")
                } else if let extra = schema["additionalProperties"] {
                    if extra == .bool(false) {
                        found.append("\(path).\(name) is not documented")
                    } else if case .object = extra {
                        found += problems(field, extra, at: "\(path).\(name)")
                    }
                }
            }
        }
        if case .array(let items) = value, let itemSchema = schema["items"] {
            for (index, item) in items.enumerated() { found += problems(item, itemSchema, at: "\(path)[\(index)]") }
        }
        return found
    }

    static func isType(_ value: JSONValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("number", .number), ("string", .string), ("array", .array), ("object", .object): true
        case ("integer", .number(let number)): number.rounded() == number
        default: false
        }
    }

    static func describe(_ value: JSONValue) -> String { String(value.text.prefix(60)) }

    static func isTimestamp(_ text: String) -> Bool {
        let formatter = ISO8601DateFormatter()
        if formatter.date(from: text) != nil { return true }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text) != nil
    }
}
