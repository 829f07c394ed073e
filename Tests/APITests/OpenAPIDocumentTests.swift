import Foundation
import HTTPTypes
import Testing
@testable import API

/// The document and the router describe the same API: every documented operation answers (never
/// "no such route"), and every route registered in `Sources/API/Routes` is documented.
@Suite(.timeLimit(.minutes(5))) struct OpenAPIDocumentTests {
    static let routesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/API/Routes")

    static var documented: Set<String> {
        Set(APIDocument.operations.map { "\($0.method.uppercased()) \($0.path)" })
    }

    @Test func everyRouteInTheSourcesIsDocumented() throws {
        let files = try FileManager.default.contentsOfDirectory(at: Self.routesFolder, includingPropertiesForKeys: nil)
        var registered = Set<String>()
        let pattern = try Regex(#"router\.(get|post|put|delete)\("([^"]+)""#)
        for file in files where file.pathExtension == "swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: pattern) {
                let method = String(match.output[1].substring ?? "").uppercased()
                let path = "/" + (match.output[2].substring ?? "").split(separator: "/").map { part in
                    part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
                }.joined(separator: "/")
                registered.insert("\(method) \(path)")
            }
        }
        #expect(registered.count >= 40)
        #expect(registered.subtracting(Self.documented).isEmpty, "undocumented: \(registered.subtracting(Self.documented).sorted())")
        #expect(Self.documented.subtracting(registered).isEmpty, "documented but not routed: \(Self.documented.subtracting(registered).sorted())")
    }

    @Test func everyDocumentedOperationAnswers() async throws {
        try await APIHarness.with { api in
            let served = try await api.call(.get, "/openapi.json")
            #expect(served.status == .ok)
            #expect(served["openapi"]?.string == "3.1.0")
            #expect((served["paths"].flatMap { if case .object(let paths) = $0 { paths.count } else { nil } } ?? 0) >= 30)
            let docs = try await api.call(.get, "/docs")
            #expect(docs.status == .ok)
            for operation in APIDocument.operations {
                let path = operation.path.replacingOccurrences(of: "{job}", with: "1")
                    .replacing(try Regex(#"\{[a-z]+\}"#), with: UUID().uuidString.lowercased())
                let reply = try await api.call(HTTPRequest.Method(operation.method.uppercased())!, path)
                // Anonymous: protected routes say 401, public ones answer; none may be missing.
                #expect(reply.status != .methodNotAllowed, "\(operation.method) \(operation.path)")
                if operation.auth != .none {
                    #expect(reply.status == .unauthorized, "\(operation.method) \(operation.path): \(reply.status)")
                } else {
                    #expect(reply.status != .notFound, "\(operation.method) \(operation.path)")
                }
            }
        }
    }

    @Test func everyOperationHasAStableIDAndADescribedAnswer() throws {
        let keys = Set(APIDocument.operations.map { "\($0.method) \($0.path)" })
        #expect(Set(APIDocument.answers.keys) == keys, "\(Set(APIDocument.answers.keys).symmetricDifference(keys).sorted())")
        let ids = APIDocument.answers.values.map(\.id)
        #expect(Set(ids).count == ids.count, "operation ids repeat")
        #expect(Set(APIDocument.schemas.keys).isDisjoint(with: APIDocument.responseSchemas.keys))
        // Every reference names a schema the document has.
        let text = APIDocument.document.text
        let names = Set(text.matches(of: try Regex(#"#/components/schemas/([A-Za-z]+)"#)).compactMap { $0.output[1].substring.map(String.init) })
        let components = Set(APIDocument.schemas.keys).union(APIDocument.responseSchemas.keys).union(["Error"])
        #expect(names.subtracting(components).isEmpty, "\(names.subtracting(components).sorted())")
        #expect(components.subtracting(names).isEmpty, "never used: \(components.subtracting(names).sorted())")
    }

    @Test func everyJSONRequestBodyHasAnExampleThatFollowsItsSchema() {
        for operation in APIDocument.operations where operation.bodyType == "application/json" {
            guard let body = operation.body else { continue }
            guard let example = APIDocument.requestExamples[body] else {
                Issue.record("\(operation.method) \(operation.path): no example of \(body)")
                continue
            }
            let problems = ResponseConformance.violations(of: example, against: APIDocument.ref(body))
            #expect(problems.isEmpty, "the example of \(body): \(problems)")
        }
        #expect(Set(APIDocument.requestExamples.keys).isSubset(of: APIDocument.schemas.keys))
    }

    /// The check every harness call makes finds what it is there to find.
    @Test func theConformanceCheckRefusesAnswersTheDocumentDoesNotDescribe() {
        let job = #"{"id": 7, "kind": "platform.canary", "queue": "default", "state": "available", "args": {}, "priority": 0, "#
            + #""attempt": 0, "max_attempts": 3, "run_at": "2026-01-01T00:00:00Z", "created_at": "2026-01-01T00:00:00Z", "#
            + #""tags": [], "errors": [], "cancel_requested": false"#
        func problem(_ method: HTTPRequest.Method, _ path: String, _ status: Int, _ body: String,
                     type: String? = "application/json; charset=utf-8") -> String? {
            ResponseConformance.problem(method: method, path: path, status: status, contentType: type, body: body)
        }
        #expect(problem(.get, "/api/jobs/7", 200, job + "}") == nil)
        #expect(problem(.get, "/api/jobs/7", 200, job + #", "secret": 1}"#)?.contains("/secret: is not a known property") == true)
        #expect(problem(.get, "/api/jobs/7", 200, job.replacingOccurrences(of: #""kind": "platform.canary", "#, with: "") + "}")?
            .contains("/kind: is required") == true)
        #expect(problem(.get, "/api/jobs/7", 200, job.replacingOccurrences(of: "\"id\": 7", with: "\"id\": \"7\"") + "}") != nil)
        #expect(problem(.get, "/api/jobs/7", 200, job.replacingOccurrences(of: "available", with: "sleeping") + "}") != nil)
        #expect(problem(.get, "/api/jobs/7", 201, job + "}")?.contains("does not list") == true)
        #expect(problem(.get, "/api/jobs/7", 200, job + "}", type: "text/plain") != nil)
        #expect(problem(.get, "/api/jobs/activity", 200, #"{"minutes": []}"#) == nil)
        #expect(problem(.get, "/api/jobs/7", 404, #"{"error": {"code": "not_found", "message": "no job 7"}}"#) == nil)
        #expect(problem(.get, "/api/jobs/7", 404, #"{"message": "no job 7"}"#) != nil)
        #expect(problem(.delete, "/api/jobs/7", 204, "") == nil)
        #expect(problem(.delete, "/api/jobs/7", 204, "{}") != nil)
        #expect(problem(.get, "/no/such/route", 200, "anything") == nil)
    }
}
