@testable import API
import Foundation
import HTTPTypes
import Jobs
import Platform
import ServerSupport
import Testing

@Suite(.timeLimit(.minutes(5))) struct AssistantTests {
    @Test func createUpdateDeployAndDelete() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("assist")
            let workspace = try await api.createWorkspace(owner)
            let header = APIHarness.workspaceHeader(workspace)
            let created = try await api.call(.post, "/api/assistants/", json: .object([
                "name": .string("Reception"), "language": .string("de-DE"), "voice_provider": .string("google"),
                "voice_id": .string("de-DE-Neural2-B"), "temperature": .number(0.3),
            ]), as: owner.bearer, headers: header)
            #expect(created.status == .created, "\(created.body.text)")
            let id = try #require(created["id"]?.string)
            #expect(created["language"]?.string == "de-DE")
            #expect(created["llm_provider"]?.string == "openai", "defaults fill what was not given")
            #expect(created["status"]?.string == "draft")

            // Deploying needs a prompt; an update changes only the fields given.
            let early = try await api.call(.post, "/api/assistants/\(id)/deploy", as: owner.bearer, headers: header)
            #expect(early.status == .unprocessableContent)
            #expect(early["error"]?["details"]?["field"]?.string == "system_prompt")
            let updated = try await api.call(.put, "/api/assistants/\(id)", json: .object([
                "system_prompt": .string("Du bist die Rezeption."), "silence_timeout_ms": .number(8000),
            ]), as: owner.bearer, headers: header)
            #expect(updated.status == .ok)
            #expect(updated["voice_id"]?.string == "de-DE-Neural2-B")
            #expect(updated["silence_timeout_ms"]?.number == 8000)
            let deployed = try await api.call(.post, "/api/assistants/\(id)/deploy", as: owner.bearer, headers: header)
            #expect(deployed["status"]?.string == "deployed")
            #expect(deployed["version"]?.number == 1)
            let again = try await api.call(.post, "/api/assistants/\(id)/deploy", as: owner.bearer, headers: header)
            #expect(again["version"]?.number == 2)

            let audit = try await api.call(.get, "/api/workspaces/\(workspace.lowercased)/audit", as: owner.bearer)
            let update = audit["items"]?.array?.first { $0["action"]?.string == "assistant.update" }
            #expect(update?["details"]?["fields"]?.string == "silenceTimeoutMS systemPrompt")

            #expect(try await api.call(.delete, "/api/assistants/\(id)", as: owner.bearer, headers: header).status == .noContent)
            #expect(try await api.call(.get, "/api/assistants/\(id)", as: owner.bearer, headers: header).status == .notFound)
        }
    }

    @Test func invalidSettingsNameTheField() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("invalid")
            let header = APIHarness.workspaceHeader(try await api.createWorkspace(owner))
            let cases: [(String, JSONValue, String)] = [
                ("name", .string("  "), "name"),
                ("temperature", .number(2.5), "temperature"),
                ("max_tokens", .number(0), "max_tokens"),
                ("language", .string("german"), "language"),
                ("llm_provider", .string("skynet"), "llm_provider"),
                ("voice_provider", .string("parrot"), "voice_provider"),
                ("interruption_sensitivity", .number(-0.1), "interruption_sensitivity"),
                ("silence_timeout_ms", .number(100), "silence_timeout_ms"),
                ("response_delay_ms", .number(10_000), "response_delay_ms"),
                ("system_prompt", .string(String(repeating: "x", count: 20_001)), "system_prompt"),
                ("temperature", .string("warm"), "temperature"),
                ("voice", .string("typo of voice_id"), "voice"),
            ]
            for (key, value, field) in cases {
                var body: [String: JSONValue] = ["name": .string("Valid")]
                body[key] = value
                let reply = try await api.call(.post, "/api/assistants", json: .object(body), as: owner.bearer, headers: header)
                #expect(reply.status == .unprocessableContent, "\(key): \(reply.body.text.prefix(200))")
                #expect(reply["error"]?["details"]?["field"]?.string == field, "\(key)")
            }
            let listed = try await api.call(.get, "/api/assistants", as: owner.bearer, headers: header)
            #expect(listed["items"]?.array?.isEmpty == true)
        }
    }

    @Test func listPagesNewestFirst() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("pages")
            let header = APIHarness.workspaceHeader(try await api.createWorkspace(owner))
            for index in 0..<5 {
                let reply = try await api.call(.post, "/api/assistants", json: .object(["name": .string("A\(index)")]), as: owner.bearer,
                                               headers: header)
                #expect(reply.status == .created)
            }
            var names: [String] = []
            var cursor: String?
            repeat {
                let query = cursor.map { "&cursor=\($0)" } ?? ""
                let page = try await api.call(.get, "/api/assistants?limit=2\(query)", as: owner.bearer, headers: header)
                names += page["items"]?.array?.compactMap { $0["name"]?.string } ?? []
                cursor = page["next_cursor"]?.string
            } while cursor != nil
            #expect(names == ["A4", "A3", "A2", "A1", "A0"])
            #expect(try await api.call(.get, "/api/assistants?cursor=nonsense", as: owner.bearer, headers: header).status == .unprocessableContent)
        }
    }

    @Test func phoneNumbersBindOnlyToTheirWorkspacesAssistants() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("numbers")
            let header = APIHarness.workspaceHeader(try await api.createWorkspace(owner))
            let other = try await api.register("other")
            let otherHeader = APIHarness.workspaceHeader(try await api.createWorkspace(other))
            let mine = try #require(try await api.call(.post, "/api/assistants", json: .object(["name": .string("Mine")]),
                                                       as: owner.bearer, headers: header)["id"]?.string)
            let theirs = try #require(try await api.call(.post, "/api/assistants", json: .object(["name": .string("Theirs")]),
                                                         as: other.bearer, headers: otherHeader)["id"]?.string)
            let number = "+4930\(Int.random(in: 1_000_000...9_999_999))"
            for bad in ["030123456", "+0301234567", "+49 30 123", "+12"] {
                let reply = try await api.call(.post, "/api/phone-numbers", json: .object(["number": .string(bad)]), as: owner.bearer,
                                               headers: header)
                #expect(reply.status == .unprocessableContent, "\(bad)")
            }
            let foreign = try await api.call(.post, "/api/phone-numbers", json: .object([
                "number": .string(number), "assistant_id": .string(theirs),
            ]), as: owner.bearer, headers: header)
            #expect(foreign.status == .unprocessableContent)
            #expect(foreign["error"]?["details"]?["field"]?.string == "assistant_id")
            let created = try await api.call(.post, "/api/phone-numbers", json: .object([
                "number": .string(number), "label": .string("Front desk"), "assistant_id": .string(mine),
            ]), as: owner.bearer, headers: header)
            #expect(created.status == .created, "\(created.body.text)")
            let id = try #require(created["id"]?.string)
            #expect(created["assistant_id"]?.string == mine)
            let taken = try await api.call(.post, "/api/phone-numbers", json: .object(["number": .string(number)]), as: other.bearer,
                                           headers: otherHeader)
            #expect(taken.status == .conflict)
            // A label change keeps the binding; null unbinds; deleting the assistant unbinds too.
            let relabelled = try await api.call(.put, "/api/phone-numbers/\(id)", json: .object(["label": .string("Sales")]),
                                                as: owner.bearer, headers: header)
            #expect(relabelled["assistant_id"]?.string == mine)
            let unbound = try await api.call(.put, "/api/phone-numbers/\(id)", json: .object(["assistant_id": .null]), as: owner.bearer,
                                             headers: header)
            #expect(unbound["assistant_id"] == .null || unbound["assistant_id"] == nil)
            _ = try await api.call(.put, "/api/phone-numbers/\(id)", json: .object(["assistant_id": .string(mine)]), as: owner.bearer,
                                   headers: header)
            #expect(try await api.call(.delete, "/api/assistants/\(mine)", as: owner.bearer, headers: header).status == .noContent)
            let after = try await api.call(.get, "/api/phone-numbers/\(id)", as: owner.bearer, headers: header)
            #expect(after["assistant_id"] == .null || after["assistant_id"] == nil)
            #expect(after["label"]?.string == "Sales")
        }
    }
}
