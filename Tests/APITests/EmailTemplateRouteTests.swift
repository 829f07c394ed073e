@testable import API
import Foundation
import HTTPTypes
@testable import Platform
import Jobs
import ServerSupport
import Testing

/// A workspace's own versions of the emails: checked when saved (parse errors and variables the
/// email is not given are 422s naming the problem), used by every sender of that workspace only,
/// and a stored version that stops rendering gives way to the built-in.
@Suite struct EmailTemplateRouteTests {
    static let path = "/api/email/templates"

    @Test func aWorkspaceVersionIsCheckedSavedUsedAndRemoved() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("templates")
            let workspace = try await api.createWorkspace(owner)
            let header = APIHarness.workspaceHeader(workspace)

            let listed = try await api.call(.get, Self.path, as: owner.bearer, headers: header)
            let welcome = try #require(listed["items"]?.array?.first { $0["name"]?.string == "welcome" })
            #expect(welcome["built_in"]?.bool == true && welcome["customized"]?.bool == false)
            let builtIn = try await api.call(.get, "\(Self.path)/welcome", as: owner.bearer, headers: header)
            #expect(builtIn["source"]?.string == "built-in")
            #expect(builtIn["subject"]?.string?.contains("{{first_name}}") == true)
            #expect(builtIn["variables"]?.array?.compactMap(\.string).contains("first_name") == true)

            let unknown = try await api.call(.put, "\(Self.path)/welcome", json: .object([
                "subject": .string("Hi {{first_name}}"), "text": .string("Your code: {{coupon}}"), "html": .string("<p>Hi</p>"),
            ]), as: owner.bearer, headers: header)
            #expect(unknown.status == .unprocessableContent)
            #expect(unknown["error"]?["message"]?.string?.contains("{{coupon}}") == true, "\(unknown.body.text)")
            let broken = try await api.call(.put, "\(Self.path)/welcome", json: .object([
                "subject": .string("Hi"), "text": .string("{{#open}} never closed"), "html": .string("<p>Hi</p>"),
            ]), as: owner.bearer, headers: header)
            #expect(broken.status == .unprocessableContent, "\(broken.body.text)")

            let saved = try await api.call(.put, "\(Self.path)/welcome", json: .object([
                "subject": .string("Hello {{first_name}} from {{app_name}}"), "text": .string("Text for {{email}}"),
                "html": .string("<p>Hi {{first_name}}</p>"),
            ]), as: owner.bearer, headers: header)
            #expect(saved.status == .ok, "\(saved.body.text)")
            #expect(try await api.call(.get, "\(Self.path)/welcome", as: owner.bearer, headers: header)["source"]?.string == "workspace")
            let changed = try await api.call(.get, Self.path, as: owner.bearer, headers: header)
            #expect(changed["items"]?.array?.first { $0["name"]?.string == "welcome" }?["customized"]?.bool == true)

            // The sender's resolver renders the workspace's version for this workspace only.
            let templates = api.services.configuration.mail.templates
            let variables = try WelcomeEmail(firstName: "<Bo>", email: "bo@example.com").variables()
            let stranger = try await api.register("other-templates")
            let other = try await api.createWorkspace(stranger)
            let strangerHeader = APIHarness.workspaceHeader(other)
            #expect(try await api.call(.get, "\(Self.path)/welcome", as: stranger.bearer, headers: strangerHeader)["source"]?.string == "built-in")
            #expect(try await api.call(.get, "\(Self.path)/welcome", as: stranger.bearer, headers: header).status == .notFound)
            let (own, theirs) = try await api.database.withConnection { connection in
                (try await WorkspaceTemplate.resolve("welcome", workspaceID: workspace, templates: templates, on: connection,
                                                     logger: APIHarness.logger),
                 try await WorkspaceTemplate.resolve("welcome", workspaceID: other, templates: templates, on: connection, logger: APIHarness.logger))
            }
            let rendered = try own.render(variables)
            #expect(rendered.subject.hasPrefix("Hello <Bo> from "))
            #expect(rendered.html == "<p>Hi &lt;Bo&gt;</p>")
            #expect(try theirs.render(variables).subject != rendered.subject)

            // A stored version that no longer renders (written around the check) falls back.
            try await api.database.query("""
                UPDATE email_templates SET text_body = 'Uses {{gone}}' WHERE workspace_id = \(workspace) AND name = 'welcome'
                """)
            let fallen = try await api.database.withConnection { connection in
                try await WorkspaceTemplate.resolve("welcome", workspaceID: workspace, templates: templates, on: connection,
                                                    logger: APIHarness.logger)
            }
            #expect(try fallen.render(variables) == (try templates.render("welcome", variables: variables)))

            // A campaign template of the workspace's own, then a campaign that uses it.
            let promo = try await api.call(.put, "\(Self.path)/promo", json: .object([
                "subject": .string("{{headline}}"), "text": .string("Hi {{name}}: {{headline}}. {{unsubscribe_url}}"),
                "html": .string("<p>{{headline}}</p>"),
            ]), as: owner.bearer, headers: header)
            #expect(promo.status == .ok, "\(promo.body.text)")
            let campaign = try await api.call(.post, "/api/email/campaigns", json: .object([
                "name": .string("Promo"), "template": .string("promo"), "variables": .object(["headline": .string("Sale")]),
                "recipients": .array([.object(["email": .string("c@example.com")])]),
            ]), as: owner.bearer, headers: header)
            #expect(campaign.status == .accepted, "\(campaign.body.text)")
            #expect(try await api.call(.get, "\(Self.path)/promo", as: stranger.bearer, headers: strangerHeader).status == .notFound)

            let preview = try await api.call(.post, "\(Self.path)/promo/preview", json: .object([
                "html": .string("<b>{{headline}}</b> for {{name}}"), "variables": .object(["headline": .string("A & B")]),
            ]), as: owner.bearer, headers: header)
            #expect(preview.status == .ok, "\(preview.body.text)")
            #expect(preview["html"]?.string == "<b>A &amp; B</b> for Ada Lovelace")
            #expect(preview["subject"]?.string == "A & B")

            #expect(try await api.call(.delete, "\(Self.path)/welcome", as: owner.bearer, headers: header).status == .noContent)
            #expect(try await api.call(.delete, "\(Self.path)/welcome", as: owner.bearer, headers: header).status == .notFound)
            #expect(try await api.call(.get, "\(Self.path)/welcome", as: owner.bearer, headers: header)["source"]?.string == "built-in")
            #expect(try await api.call(.get, "\(Self.path)/no-such", as: owner.bearer, headers: header).status == .notFound)
            #expect(try await api.call(.get, "\(Self.path)/Not%20A%20Name", as: owner.bearer, headers: header).status == .notFound)

            let audit = try await api.call(.get, "/api/workspaces/\(workspace.lowercased)/audit", as: owner.bearer)
            let actions = audit["items"]?.array?.compactMap { $0["action"]?.string } ?? []
            #expect(actions.contains("email_template.create") && actions.contains("email_template.delete"), "\(actions)")
        }
    }

    @Test func onlyOwnersAndAdminsChangeTemplates() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("template-owner")
            let workspace = try await api.createWorkspace(owner)
            let viewer = try await api.register("template-viewer")
            try await api.addMember(viewer, to: workspace, role: .viewer, by: owner)
            let header = APIHarness.workspaceHeader(workspace)
            let body = JSONValue.object(["subject": .string("S"), "text": .string("T"), "html": .string("H")])
            #expect(try await api.call(.put, "\(Self.path)/news", json: body, as: viewer.bearer, headers: header).status == .forbidden)
            #expect(try await api.call(.get, "\(Self.path)/welcome", as: viewer.bearer, headers: header).status == .ok)
            #expect(try await api.call(.put, "\(Self.path)/news", json: body, as: owner.bearer, headers: header).status == .ok)
            #expect(try await api.call(.delete, "\(Self.path)/news", as: viewer.bearer, headers: header).status == .forbidden)
        }
    }
}
