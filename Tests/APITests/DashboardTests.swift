@testable import API
import Foundation
import HTTPTypes
import Jobs
import NIOCore
import Platform
import QueueEngine
import Testing

/// The dashboard over plain HTTP: the session cookie, CSRF on every form, who may see what, and
/// values escaped in the pages.
@Suite(.timeLimit(.minutes(2))) struct DashboardTests {
    struct Page {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: String
    }

    static func request(_ api: APIHarness, _ method: HTTPRequest.Method, _ path: String, cookie: String? = nil,
                        form: [String: String]? = nil) async throws -> Page {
        var headers: HTTPFields = [:]
        if let cookie { headers[.cookie] = cookie }
        var body: ByteBuffer?
        if let form {
            headers[.contentType] = "application/x-www-form-urlencoded"
            var components = URLComponents()
            components.queryItems = form.map { URLQueryItem(name: $0.key, value: $0.value) }
            body = ByteBuffer(string: components.percentEncodedQuery ?? "")
        }
        return try await api.http.execute(uri: path, method: method, headers: headers, body: body) {
            Page(status: $0.status, headers: $0.headers, body: String(buffer: $0.body))
        }
    }

    /// Signs in through the form and answers the session cookie (`name=value`).
    static func signIn(_ api: APIHarness, _ email: String) async throws -> String {
        let page = try await request(api, .post, "/dashboard/login", form: ["email": email, "password": APIHarness.password])
        #expect(page.status == .seeOther, "\(page.body)")
        let cookie = try #require(page.headers[.setCookie])
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/dashboard"))
        return String(cookie.split(separator: ";")[0])
    }

    static func csrf(in html: String) throws -> String {
        let marker = #"name="csrf" value=""#
        let start = try #require(html.range(of: marker))
        return String(html[start.upperBound...].prefix { $0 != "\"" })
    }

    /// Operators find jobs of every workspace on the platform page and cancel or retry what the filter matches.
    @Test func thePlatformPageFindsJobsAcrossWorkspacesAndActsOnThemInBulk() async throws {
        let operatorEmail = "dash-ops-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        try await APIHarness.with(["PLATFORM_OPERATOR_EMAILS": operatorEmail]) { api in
            _ = try await api.call(.post, "/auth/register",
                                   json: .object(["email": .string(operatorEmail), "password": .string(APIHarness.password)]))
            let owner = try await api.register("dash-bulk")
            let workspace = try await api.createWorkspace(owner)
            let queue = "dash-bulk-\(UUID().uuidString.prefix(8).lowercased())"
            var ids: [Int64] = []
            for _ in 0..<2 {
                ids.append(try await api.services.database.queue.enqueue(
                    CanaryJob.self, .init(), options: JobOptions(queue: queue, delay: .seconds(3_600), workspaceID: workspace.lowercased)).id)
            }
            let cookie = try await Self.signIn(api, operatorEmail)
            let unfiltered = try await Self.request(api, .get, "/dashboard/platform", cookie: cookie)
            #expect(unfiltered.status == .ok && !unfiltered.body.contains("bulk-cancel"), "no bulk form without a filter")
            let page = try await Self.request(api, .get, "/dashboard/platform?queue=\(queue)", cookie: cookie)
            #expect(page.body.contains("/dashboard/workspaces/\(workspace.lowercased)/jobs/\(ids[0])"))
            #expect(page.body.contains(#"id="bulk-cancel""#) && page.body.contains(#"id="bulk-retry""#))
            let token = try Self.csrf(in: page.body)

            let refused = try await Self.request(api, .post, "/dashboard/platform/jobs/cancel", cookie: cookie, form: ["csrf": token])
            #expect(refused.status == .unprocessableContent, "an empty filter never means every job")
            let cancelled = try await Self.request(api, .post, "/dashboard/platform/jobs/cancel", cookie: cookie,
                                                   form: ["csrf": token, "queue": queue, "state": "", "kind": "", "search": ""])
            #expect(cancelled.status == .seeOther)
            let back = try #require(cancelled.headers[.location])
            #expect(back.contains("done=cancelled-2") && back.contains("queue=\(queue)"))
            #expect(try await Self.request(api, .get, back, cookie: cookie).body.contains("2 jobs cancelled."))
            for id in ids { #expect(try await api.services.database.queue.store.job(id: id).state == .cancelled) }
            let retried = try await Self.request(api, .post, "/dashboard/platform/jobs/retry", cookie: cookie, form: ["csrf": token, "queue": queue])
            #expect(retried.headers[.location]?.contains("done=bulk-retried-2") == true)
            for id in ids { #expect(try await api.services.database.queue.store.job(id: id).state == .available) }
            let forged = try await Self.request(api, .post, "/dashboard/platform/jobs/cancel", cookie: cookie,
                                                form: ["csrf": "forged", "queue": queue])
            #expect(forged.status == .forbidden)
        }
    }

    @Test func sessionsFormsAndAccess() async throws {
        try await APIHarness.with { api in
            #expect(try await Self.request(api, .get, "/dashboard").headers[.location] == "/dashboard/login")
            let wrong = try await Self.request(api, .post, "/dashboard/login", form: ["email": "nobody@example.com", "password": "nope-nope-nope"])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.body.contains("wrong email address or password"))

            let owner = try await api.register("dash")
            let workspace = try await api.createWorkspace(owner, name: "<b>Ops</b> & co")
            let viewer = try await api.register("dash-viewer")
            try await api.addMember(viewer, to: workspace, role: .viewer, by: owner)
            let stranger = try await api.register("dash-stranger")
            let tenant = workspace.lowercased
            let queue = api.services.database.queue
            let job = try await queue.enqueue(try NewJob(kind: CanaryJob.name, argsJSON: #"{"note": "<script>alert(1)</script>"}"#,
                                                 options: JobOptions(queue: "dash-\(UUID().uuidString.prefix(6))",
                                                                     delay: .seconds(3_600), workspaceID: tenant))).id

            let cookie = try await Self.signIn(api, owner.email)
            let home = try await Self.request(api, .get, "/dashboard", cookie: cookie)
            #expect(home.status == .ok)
            #expect(home.body.contains("&lt;b&gt;Ops&lt;/b&gt; &amp; co"), "names are escaped")
            #expect(home.headers[.setCookie]?.hasPrefix("vpai_dashboard=") == true, "the session is renewed")
            let page = try await Self.request(api, .get, "/dashboard/workspaces/\(tenant)", cookie: cookie)
            #expect(page.status == .ok)
            #expect(page.body.contains(#"id="job-\#(job)""#))
            #expect(page.body.contains("activity-chart"))
            let detail = try await Self.request(api, .get, "/dashboard/workspaces/\(tenant)/jobs/\(job)", cookie: cookie)
            #expect(detail.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "arguments are escaped")
            #expect(!detail.body.contains("<script>alert(1)"))
            let token = try Self.csrf(in: detail.body)

            // A form without the token (a forged cross-site post) changes nothing.
            let forged = try await Self.request(api, .post, "/dashboard/workspaces/\(tenant)/jobs/\(job)/cancel", cookie: cookie, form: [:])
            #expect(forged.status == .forbidden)
            #expect(try await api.services.database.queue.store.job(id: job).state == .available)
            let cancelled = try await Self.request(api, .post, "/dashboard/workspaces/\(tenant)/jobs/\(job)/cancel", cookie: cookie,
                                                   form: ["csrf": token])
            #expect(cancelled.status == .seeOther)
            #expect(try await api.services.database.queue.store.job(id: job).state == .cancelled)
            let deleted = try await Self.request(api, .post, "/dashboard/workspaces/\(tenant)/jobs/\(job)/delete", cookie: cookie,
                                                 form: ["csrf": token])
            #expect(deleted.headers[.location] == "/dashboard/workspaces/\(tenant)?done=deleted")
            #expect(try await Self.request(api, .get, "/dashboard/workspaces/\(tenant)/jobs/\(job)", cookie: cookie).status == .notFound)

            // Every discarded job of a kind runs again; the form's kind is read with its CSRF token.
            let again = try await Self.request(api, .post, "/dashboard/workspaces/\(tenant)/retry-discarded", cookie: cookie,
                                               form: ["csrf": token, "kind": CanaryJob.name])
            #expect(again.headers[.location] == "/dashboard/workspaces/\(tenant)?done=retried-0", "\(again.body)")

            // Not an operator: no platform page.
            #expect(try await Self.request(api, .get, "/dashboard/platform", cookie: cookie).status == .forbidden)
            // A Viewer is refused, a stranger does not find the workspace, a made-up session goes to sign-in.
            let viewerCookie = try await Self.signIn(api, viewer.email)
            #expect(try await Self.request(api, .get, "/dashboard/workspaces/\(tenant)", cookie: viewerCookie).status == .forbidden)
            let strangerCookie = try await Self.signIn(api, stranger.email)
            #expect(try await Self.request(api, .get, "/dashboard/workspaces/\(tenant)", cookie: strangerCookie).status == .notFound)
            #expect(try await Self.request(api, .get, "/dashboard", cookie: "vpai_dashboard=forged").headers[.location] == "/dashboard/login")
            let out = try await Self.request(api, .post, "/dashboard/logout", cookie: cookie, form: ["csrf": token])
            #expect(out.headers[.setCookie]?.contains("Max-Age=0") == true)
        }
    }
}
