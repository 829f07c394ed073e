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
}
