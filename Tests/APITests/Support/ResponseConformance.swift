@testable import API
import Foundation
import HTTPTypes
import Platform
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
        let problems = violations(of: JSONValue(text: body), against: schema)
        return problems.isEmpty ? nil : "\(name): \(problems.prefix(5).joined(separator: "; ")) in \(body.prefix(400))"
    }

    /// How `value` breaks a `#/components/schemas/…` reference, checked by the platform's own
    /// validator (the one tool arguments go through): the component and every one it reaches become
    /// the `$defs` of a schema of its own.
    static func violations(of value: JSONValue, against reference: JSONValue) -> [String] {
        guard let name = reference["$ref"]?.string?.split(separator: "/").last.map(String.init) else { return ["no $ref in \(reference.text)"] }
        do {
            return try schema(name).validate(value).map(\.description)
        } catch {
            return ["the document's schema \(name) does not compile: \(error)"]
        }
    }

    static let prefix = "#/components/schemas/"

    static func schema(_ name: String) throws -> JSONSchema {
        let components = document["components"]?["schemas"] ?? .null
        var definitions: [String: JSONValue] = [:]
        var pending = [name]
        while let next = pending.popLast() {
            guard definitions[next] == nil, let component = components[next] else { continue }
            let text = component.text
            definitions[next] = JSONValue(text: text.replacingOccurrences(of: prefix, with: "#/$defs/"))
            pending += text.matches(of: #/#/components/schemas/([A-Za-z]+)/#).map { String($0.output.1) }
        }
        return try JSONSchema(.object(["$defs": .object(definitions), "$ref": .string("#/$defs/\(name)")]))
    }
}
