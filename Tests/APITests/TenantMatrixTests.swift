@testable import API
import Foundation
import HTTPTypes
import Jobs
import Platform
import ServerSupport
import Testing

/// Two workspaces, the four roles, and API keys with and without the scope, over every route that
/// takes an id: each forbidden combination answers 403 (a member without the permission) or 404
/// (anyone outside the workspace), and no answer to an outsider names the workspace's data.
@Suite(.timeLimit(.minutes(5))) struct TenantMatrixTests {
    enum Expect: CustomStringConvertible {
        case allowed, forbidden, hidden
        var description: String { "\(self == .allowed ? "allowed" : self == .forbidden ? "403" : "404")" }
    }

    struct Actor {
        let name: String
        let credential: APIHarness.Credential
        /// Headers that name the workspace the actor acts in (users name it, keys carry it).
        let headers: HTTPFields
    }

    @Test func everyRoleAndKeyGetsExactlyItsPermissions() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("owner")
            let workspace = try await api.createWorkspace(owner, name: "Tenant A secret name")
            var users: [WorkspaceRole: APIHarness.User] = [.owner: owner]
            for role in [WorkspaceRole.admin, .member, .viewer] {
                let user = try await api.register(role.rawValue)
                try await api.addMember(user, to: workspace, role: role, by: owner)
                users[role] = user
            }
            let outsider = try await api.register("outsider")
            let otherWorkspace = try await api.createWorkspace(outsider, name: "Tenant B")
            let writeKey = try await api.createKey(in: workspace, scopes: ["jobs:write"], by: owner)
            let readKey = try await api.createKey(in: workspace, scopes: ["jobs:read"], by: owner)
            let foreignKey = try await api.createKey(in: otherWorkspace, scopes: ["jobs:write", "workspace:read", "assistants:write"], by: outsider)
            let header = APIHarness.workspaceHeader(workspace)
            let actors: [String: Actor] = [
                "owner": Actor(name: "owner", credential: users[.owner]!.bearer, headers: header),
                "admin": Actor(name: "admin", credential: users[.admin]!.bearer, headers: header),
                "member": Actor(name: "member", credential: users[.member]!.bearer, headers: header),
                "viewer": Actor(name: "viewer", credential: users[.viewer]!.bearer, headers: header),
                // An outsider naming the workspace, and naming their own.
                "outsider": Actor(name: "outsider", credential: outsider.bearer, headers: header),
                "outsider-own": Actor(name: "outsider-own", credential: outsider.bearer, headers: APIHarness.workspaceHeader(otherWorkspace)),
                "write-key": Actor(name: "write-key", credential: .apiKey(writeKey), headers: [:]),
                "read-key": Actor(name: "read-key", credential: .apiKey(readKey), headers: [:]),
                "foreign-key": Actor(name: "foreign-key", credential: .apiKey(foreignKey), headers: [:]),
            ]
            let enqueued = try await api.call(.post, "/api/jobs", json: .object(["kind": .string("platform.canary")]), as: .apiKey(writeKey))
            try #require(enqueued.status == .accepted)
            let job = Int(try #require(enqueued["id"]?.number))
            let w = workspace.lowercased
            let member = users[.member]!.id.lowercased
            let assistant = try #require(try await api.call(.post, "/api/assistants", json: .object([
                "name": .string("Tenant A secret assistant"), "system_prompt": .string("Tenant A secret prompt"),
            ]), as: owner.bearer, headers: header)["id"]?.string)
            let phone = try #require(try await api.call(.post, "/api/phone-numbers", json: .object([
                "number": .string("+4940\(Int.random(in: 1_000_000...9_999_999))"), "label": .string("Tenant A line"),
            ]), as: owner.bearer, headers: header)["id"]?.string)
            let campaign = try #require(try await api.call(.post, "/api/email/campaigns", json: .object([
                "name": .string("Tenant A campaign"), "template": .string("welcome"), "variables": .object(["first_name": .string("A")]),
                "recipients": .array([.object(["email": .string("tenant-a@example.com")])]),
            ]), as: owner.bearer, headers: header)["id"]?.string)

            let tool = try #require(try await api.call(.post, "/api/tools", json: .object([
                "name": "tenant_a_tool", "description": "Tenant A secret tool", "url": "https://tools.example.com/lookup",
            ]), as: owner.bearer, headers: header)["id"]?.string)

            let webhook = try #require(try await api.call(.post, "/api/webhooks", json: .object([
                "url": "https://hooks.example.com/tenant-a", "events": ["*"], "description": "Tenant A secret hook",
            ]), as: owner.bearer, headers: header)["id"]?.string)

            typealias Row = (method: HTTPRequest.Method, path: String, body: JSONValue?, expect: [String: Expect])
            let everyone: [String: Expect] = ["owner": .allowed, "admin": .allowed, "member": .allowed, "viewer": .allowed,
                                              "outsider": .hidden, "outsider-own": .hidden, "foreign-key": .hidden]
            func with(_ base: [String: Expect], _ changes: [String: Expect]) -> [String: Expect] { base.merging(changes) { $1 } }
            func without(_ actor: String, _ base: [String: Expect]) -> [String: Expect] { base.filter { $0.key != actor } }
            let managers = with(everyone, ["member": .forbidden, "viewer": .forbidden, "write-key": .forbidden, "read-key": .forbidden])
            let assistantReaders = with(everyone, ["write-key": .forbidden, "read-key": .forbidden])
            let assistantWriters = with(assistantReaders, ["viewer": .forbidden])
            // No key may manage numbers, so a foreign key is refused before any lookup.
            let numberManagers = with(managers, ["foreign-key": .forbidden])
            let rows: [Row] = [
                (.get, "/api/assistants/\(assistant)", nil, assistantReaders),
                (.put, "/api/assistants/\(assistant)", .object(["temperature": .number(0.5)]), assistantWriters),
                (.post, "/api/assistants/\(assistant)/deploy", nil, assistantWriters),
                (.get, "/api/phone-numbers/\(phone)", nil, assistantReaders),
                (.put, "/api/phone-numbers/\(phone)", .object(["label": .string("x")]), numberManagers),
                (.get, "/api/workspaces/\(w)", nil, with(everyone, ["write-key": .forbidden, "read-key": .forbidden])),
                (.put, "/api/workspaces/\(w)", .object(["description": .string("changed")]), managers),
                (.get, "/api/workspaces/\(w)/members", nil, with(everyone, ["write-key": .forbidden, "read-key": .forbidden])),
                (.post, "/api/workspaces/\(w)/members", .object(["email": .string("x-\(UUID())@example.com")]), managers),
                (.put, "/api/workspaces/\(w)/members/\(member)", .object(["role": .string("member")]), managers),
                (.get, "/api/workspaces/\(w)/api-keys", nil, managers),
                (.post, "/api/workspaces/\(w)/api-keys", .object(["name": .string("k"), "scopes": .array([.string("jobs:read")])]), managers),
                (.get, "/api/workspaces/\(w)/audit", nil, managers),
                (.get, "/api/jobs/\(job)", nil, with(everyone, ["write-key": .allowed, "read-key": .allowed])),
                (.get, "/api/jobs", nil,
                 with(everyone, ["write-key": .allowed, "read-key": .allowed, "outsider-own": .allowed, "foreign-key": .allowed])),
                (.post, "/api/jobs/\(job)/cancel", nil, with(everyone, ["viewer": .forbidden, "write-key": .allowed, "read-key": .forbidden])),
                (.post, "/api/jobs/\(job)/retry", nil, with(everyone, ["viewer": .forbidden, "write-key": .allowed, "read-key": .forbidden])),
                // No key here has an email scope, so a foreign key is refused before any lookup.
                (.get, "/api/email/campaigns/\(campaign)", nil, with(assistantReaders, ["foreign-key": .forbidden])),
                (.post, "/api/email/campaigns/\(campaign)/cancel", nil, numberManagers),
                // Template names are per workspace: in their own workspace an outsider has a "tenant-a" of
                // their own, so that actor is left out here (EmailTemplateRouteTests covers it).
                (.put, "/api/email/templates/tenant-a", .object(["subject": .string("Tenant A subject"), "text": .string("Tenant A text"),
                                                                 "html": .string("<p>Tenant A</p>")]), without("outsider-own", numberManagers)),
                (.get, "/api/email/templates/tenant-a", nil, without("outsider-own", with(assistantReaders, ["foreign-key": .forbidden]))),
                (.delete, "/api/email/templates/tenant-a", nil, without("outsider-own", numberManagers)),
                // No key here has a tools scope, so a foreign key is refused before any lookup.
                (.get, "/api/tools/\(tool)", nil, with(assistantReaders, ["foreign-key": .forbidden])),
                (.get, "/api/tools/\(tool)/usage", nil, with(assistantReaders, ["foreign-key": .forbidden])),
                (.put, "/api/tools/\(tool)", .object(["description": "changed"]), with(assistantWriters, ["foreign-key": .forbidden])),
                (.post, "/api/tools/\(tool)/invoke", .object(["arguments": .object([:])]), with(assistantWriters, ["foreign-key": .forbidden])),
                (.delete, "/api/tools/\(tool)", nil, with(assistantWriters, ["foreign-key": .forbidden])),
                // Members read endpoints, Owners and Admins manage them; no key here has a webhooks scope.
                (.get, "/api/webhooks/\(webhook)", nil, with(numberManagers, ["member": .allowed])),
                (.get, "/api/webhooks/\(webhook)/deliveries", nil, with(numberManagers, ["member": .allowed])),
                (.put, "/api/webhooks/\(webhook)", .object(["description": "changed"]), numberManagers),
                (.post, "/api/webhooks/\(webhook)/rotate-secret", nil, numberManagers),
                (.delete, "/api/webhooks/\(webhook)", nil, numberManagers),
                (.delete, "/api/phone-numbers/\(phone)", nil, numberManagers),
                (.delete, "/api/assistants/\(assistant)", nil, assistantWriters),
            ]
            for row in rows {
                // After one allowed caller deleted the resource, the next allowed ones find it gone.
                var gone = false
                for (name, expect) in row.expect.sorted(by: { $0.key < $1.key }) {
                    let actor = try #require(actors[name])
                    let reply = try await api.call(row.method, row.path, json: row.body, as: actor.credential, headers: actor.headers)
                    let label = "\(row.method) \(row.path) as \(name): \(reply.status.code) \(reply.body.text)"
                    switch expect {
                    case .allowed:
                        if gone {
                            #expect(reply.status == .notFound, "\(label)")
                        } else {
                            #expect(reply.status.code < 300 || reply.status == .conflict, "\(label)")
                            gone = row.method == .delete && reply.status.code < 300
                        }
                    case .forbidden: #expect(reply.status == .forbidden, "\(label)")
                    case .hidden:
                        #expect(reply.status == .notFound, "\(label)")
                        #expect(!reply.body.text.contains("Tenant A"), "\(label)")
                    }
                }
            }
            // Listing as the other tenant shows none of this workspace's jobs.
            // (The workspace also has the invite emails of its members; the canary is the one job enqueued here.)
            let foreignList = try await api.call(.get, "/api/jobs", as: .apiKey(foreignKey))
            #expect(foreignList["items"]?.array?.isEmpty == true)
            let ownList = try await api.call(.get, "/api/jobs?kind=platform.canary", as: .apiKey(readKey))
            #expect(ownList["items"]?.array?.count == 1)
        }
    }

    @Test func ownersAreProtected() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("owner")
            let admin = try await api.register("admin")
            let workspace = try await api.createWorkspace(owner)
            try await api.addMember(admin, to: workspace, role: .admin, by: owner)
            let w = workspace.lowercased
            // The last Owner can neither leave nor be demoted.
            let leave = try await api.call(.delete, "/api/workspaces/\(w)/members/\(owner.id.lowercased)", as: owner.bearer)
            #expect(leave.status == .conflict)
            #expect(leave.errorCode == "last_owner")
            let demote = try await api.call(.put, "/api/workspaces/\(w)/members/\(owner.id.lowercased)",
                                            json: .object(["role": .string("admin")]), as: owner.bearer)
            #expect(demote.errorCode == "last_owner")
            // An Admin cannot touch the Owner role, in either direction.
            let grab = try await api.call(.put, "/api/workspaces/\(w)/members/\(admin.id.lowercased)",
                                          json: .object(["role": .string("owner")]), as: admin.bearer)
            #expect(grab.status == .forbidden)
            let strike = try await api.call(.delete, "/api/workspaces/\(w)/members/\(owner.id.lowercased)", as: admin.bearer)
            #expect(strike.status == .forbidden)
            // With a second Owner the first may step down; the Admin may leave on their own.
            #expect(try await api.call(.put, "/api/workspaces/\(w)/members/\(admin.id.lowercased)",
                                       json: .object(["role": .string("owner")]), as: owner.bearer).status == .noContent)
            #expect(try await api.call(.put, "/api/workspaces/\(w)/members/\(owner.id.lowercased)",
                                       json: .object(["role": .string("viewer")]), as: owner.bearer).status == .noContent)
            let members = try await api.call(.get, "/api/workspaces/\(w)/members", as: admin.bearer)
            let roles = Set(members["members"]?.array?.compactMap { $0["role"]?.string } ?? [])
            #expect(roles == ["owner", "viewer"])
            // Only an Owner deletes the workspace; afterwards it is gone for everyone.
            #expect(try await api.call(.delete, "/api/workspaces/\(w)", as: owner.bearer).status == .forbidden)
            #expect(try await api.call(.delete, "/api/workspaces/\(w)", as: admin.bearer).status == .noContent)
            #expect(try await api.call(.get, "/api/workspaces/\(w)", as: admin.bearer).status == .notFound)
        }
    }

    @Test func invitesAreForTheInvitedAddressOnly() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("owner")
            let invitee = try await api.register("invitee")
            let stranger = try await api.register("stranger")
            let workspace = try await api.createWorkspace(owner)
            let invite = try await api.call(.post, "/api/workspaces/\(workspace.lowercased)/members",
                                            json: .object(["email": .string(invitee.email), "role": .string("viewer")]), as: owner.bearer)
            let token = try #require(invite["token"])
            #expect(try await api.call(.post, "/api/invites/accept", json: .object(["token": token]), as: stranger.bearer).status == .notFound)
            let accepted = try await api.call(.post, "/api/invites/accept", json: .object(["token": token]), as: invitee.bearer)
            #expect(accepted.status == .ok)
            #expect(accepted["role"]?.string == "viewer")
            // Single use.
            #expect(try await api.call(.post, "/api/invites/accept", json: .object(["token": token]), as: invitee.bearer).status == .notFound)
            let list = try await api.call(.get, "/api/workspaces/", as: invitee.bearer)
            #expect(list.body.array?.compactMap { $0["id"]?.string } == [workspace.lowercased])
            let audit = try await api.call(.get, "/api/workspaces/\(workspace.lowercased)/audit", as: owner.bearer)
            let actions = audit["items"]?.array?.compactMap { $0["action"]?.string } ?? []
            #expect(actions.contains("member.invite"))
            #expect(actions.contains("member.join"))
            #expect(actions.contains("workspace.create"))
        }
    }
}
