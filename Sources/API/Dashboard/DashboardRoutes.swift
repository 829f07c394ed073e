import Foundation
import Hummingbird
import Platform
import QueueEngine

/// The web dashboard, served by the API under `/dashboard`: server-rendered pages, a few lines of
/// script, nothing fetched from elsewhere. A workspace's Owners and Admins see its jobs (counts by
/// state, the last hour as a chart, lists with search, a job's detail) and retry, cancel or delete
/// them, and try its assistants in text (the chat panel); platform operators also see the queues,
/// the live workers and the schedule and pause or resume queues. Every action is the same engine call as the API's, audited the same way.
struct DashboardRoutes {
    let database: APIDatabase
    let accessControl: AccessControl
    let catalogue: JobCatalogue
    let conversations: TestConversations
    let cronFolder: String
    let pages: DashboardPages
    let session: DashboardSession
    /// The API's sign-in check, which the dashboard's login shares.
    let auth: AuthRoutes
    static let pageSize = 50

    /// Who is signed in, and what every page's frame shows.
    struct Signed {
        let userID: UUID
        let email: String
        let isOperator: Bool
        let csrf: String
        /// The renewed session cookie every answer carries.
        let cookie: String
        /// The posted form of an action, read once (a request body is a stream).
        var form: ActionForm?

        var frame: [String: Any] { ["user_email": email, "is_operator": isOperator, "csrf": csrf] }
        var headers: HTTPFields { [.setCookie: cookie] }
    }

    func add(to router: Router<APIRequestContext>) {
        router.get("dashboard/login", use: loginPage)
        router.post("dashboard/login", use: login)
        router.post("dashboard/logout", use: logout)
        router.get("dashboard", use: home)
        router.get("dashboard/platform", use: platform)
        router.post("dashboard/platform/queues/:queue/:action", use: queueAction)
        router.post("dashboard/platform/jobs/:action", use: bulkJobAction)
        router.get("dashboard/workspaces/:workspace", use: workspace)
        router.get("dashboard/workspaces/:workspace/jobs/:job", use: job)
        router.post("dashboard/workspaces/:workspace/jobs/:job/:action", use: jobAction)
        router.post("dashboard/workspaces/:workspace/retry-discarded", use: retryDiscarded)
        router.get("dashboard/workspaces/:workspace/assistants/:assistant/try", use: tryPage)
        router.post("dashboard/workspaces/:workspace/assistants/:assistant/try", use: tryStart)
        router.post("dashboard/workspaces/:workspace/assistants/:assistant/try/:conversation", use: tryTurn)
    }

    // MARK: Signing in

    struct LoginForm: Decodable {
        let email: String
        let password: String
    }

    struct ActionForm: Decodable {
        let csrf: String?
        let kind: String?
        /// The platform page's job filter, sent again with a bulk cancel or retry.
        let queue: String?
        let state: String?
        let search: String?
        /// The chat panel's fields: what the tester says, and the version to try (empty: the draft).
        let text: String?
        let version: String?
    }

    @Sendable func loginPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        pages.render("login", ["title": "Sign in"])
    }

    @Sendable func login(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard let form = try? await Self.form(LoginForm.self, request) else {
            return pages.render("login", status: .badRequest, ["title": "Sign in", "error": "Give your email address and password."])
        }
        do {
            let user = try await auth.authenticate(email: form.email, password: form.password, context: context)
            return Response(status: .seeOther, headers: [.location: "/dashboard", .setCookie: try await session.cookie(for: user.id)])
        } catch let error as APIError {
            return pages.render("login", status: error.status, ["title": "Sign in", "error": error.message, "email": form.email])
        }
    }

    @Sendable func logout(_ request: Request, context: APIRequestContext) async throws -> Response {
        Response(status: .seeOther, headers: [.location: "/dashboard/login", .setCookie: DashboardSession.signedOut])
    }

    // MARK: Pages

    @Sendable func home(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await signedIn(request, context) { signed, _ in
            let logger = database.logger
            let memberships = try await database.read { try await WorkspaceStore.list(userID: signed.userID, on: $0, logger: logger) }
            let rows: [[String: Any]] = memberships.map { workspace, role in
                ["id": workspace.id.idString, "name": workspace.name, "role": role.rawValue,
                 "can_open": Permission.granted(to: role).contains(.dashboard)]
            }
            return pages.render("home", ["title": "Workspaces", "workspaces": rows, "has_workspaces": !rows.isEmpty],
                                frame: signed.frame, headers: signed.headers)
        }
    }

    @Sendable func workspace(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await signedIn(request, context) { signed, context in
            let workspace = try PathParameter.uuid(context, "workspace")
            let access = try await accessControl.admit(request, context, workspace: workspace, requiring: .dashboard)
            let query = request.uri.queryParameters
            let state = query["state"].flatMap { JobState(rawValue: String($0)) }
            let kind = query["kind"].map(String.init).flatMap { $0.isEmpty || $0.contains("\u{0}") ? nil : $0 }
            let search = query["search"].map(String.init).flatMap { $0.isEmpty || $0.contains("\u{0}") || $0.utf8.count > 200 ? nil : $0 }
            let before = query["cursor"].flatMap { Int64($0) }
            let store = database.queue.store
            let logger = database.logger
            async let record = database.read { try await WorkspaceStore.workspace(id: access.workspaceID, on: $0, logger: logger) }
            async let counts = store.counts(workspaceID: access.workspaceKey)
            async let activity = store.activity(over: .seconds(3_600), workspaceID: access.workspaceKey)
            async let jobs = store.list(JobFilter(state: state, kind: kind, workspaceID: access.workspaceKey, beforeID: before, search: search,
                                                  limit: Self.pageSize))
            async let assistants = database.read {
                try await AssistantStore.list(workspaceID: access.workspaceID, before: nil, limit: Self.pageSize, on: $0, logger: logger)
            }
            let listed = try await jobs
            let known = try await counts
            var values: [String: Any] = [
                "title": try await record?.name ?? "Workspace", "workspace_name": try await record?.name ?? "Workspace",
                "workspace_id": access.workspaceKey, "kind": kind ?? "", "search": search ?? "",
                "counts": JobState.allCases.map { ["state": $0.rawValue, "count": known[$0] ?? 0] },
                "states": JobState.allCases.map { ["value": $0.rawValue, "selected": $0 == state] },
                "chart": ActivityChart.svg(try await activity),
                "jobs": listed.map { Self.row($0, workspace: access.workspaceKey) },
                "assistants": try await assistants.map { assistant in
                    ["id": assistant.id.idString, "name": assistant.settings.name, "status": assistant.status, "version": assistant.version,
                     "workspace_id": access.workspaceKey, "can_try": access.allows(.assistantsWrite)] as [String: Any]
                },
                "refresh": 15,
            ]
            if listed.count == Self.pageSize, let last = listed.last {
                var items = [URLQueryItem(name: "cursor", value: String(last.id))]
                if let state { items.append(URLQueryItem(name: "state", value: state.rawValue)) }
                if let kind { items.append(URLQueryItem(name: "kind", value: kind)) }
                if let search { items.append(URLQueryItem(name: "search", value: search)) }
                var link = URLComponents()
                link.path = "/dashboard/workspaces/\(access.workspaceKey)"
                link.queryItems = items
                values["next_cursor"] = true
                values["next_link"] = link.string ?? ""
            }
            return pages.render("workspace", values, frame: signed.frame.merging(Self.notice(request)) { $1 }, headers: signed.headers)
        }
    }

    @Sendable func job(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await signedIn(request, context) { signed, context in
            let workspace = try PathParameter.uuid(context, "workspace")
            let access = try await accessControl.admit(request, context, workspace: workspace, requiring: .dashboard)
            let record = try await database.queue.store.job(id: try PathParameter.int64(context, "job"), workspaceID: access.workspaceKey)
            let errors = ((try? JSONSerialization.jsonObject(with: Data(record.errorsJSON.utf8))) as? [[String: Any]] ?? []).map { entry in
                ["attempt": "\(entry["attempt"] ?? "")", "at": "\(entry["at"] ?? "")", "error": "\(entry["error"] ?? "")"]
            }
            var timeline: [[String: String]] = [["label": "Created", "at": Self.time(record.createdAt)],
                                                ["label": "Due", "at": Self.time(record.runAt)]]
            if let attempted = record.attemptedAt { timeline.append(["label": "Last attempt started", "at": Self.time(attempted)]) }
            if let finished = record.finishedAt { timeline.append(["label": "Finished", "at": Self.time(finished)]) }
            let values: [String: Any] = [
                "title": "Job \(record.id)",
                "job": Self.row(record, workspace: access.workspaceKey).merging([
                    "progress": record.progress.map { $0 as Any } ?? false, "progress_message": record.progressMessage ?? false,
                ]) { $1 },
                "base": "/dashboard/workspaces/\(access.workspaceKey)/jobs/\(record.id)",
                "can_retry": record.state == .discarded || record.state == .cancelled,
                "can_cancel": record.state == .available || record.state == .running,
                "can_delete": record.state.isFinal,
                "timeline": timeline, "args": Self.pretty(record.argsJSON), "errors": errors, "has_errors": !errors.isEmpty,
                "result": record.resultJSON.map(Self.pretty) ?? false,
                "refresh": record.state.isFinal ? 0 : 3,
            ]
            return pages.render("job", values, frame: signed.frame.merging(Self.notice(request)) { $1 }, headers: signed.headers)
        }
    }

    @Sendable func platform(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await signedIn(request, context) { signed, context in
            _ = try await accessControl.requireOperator(context)
            let store = database.queue.store
            async let stats = store.stats()
            async let activity = store.activity(over: .seconds(3_600))
            async let workers = store.workers(seenWithin: OperatorRoutes.aliveWindow)
            async let records = store.schedules()
            var values: [String: Any] = [
                "title": "Platform", "refresh": 10, "chart": ActivityChart.svg(try await activity),
                "queues": try await stats.map { queue -> [String: Any] in
                    ["queue": queue.queue, "queue_path": queue.queue.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? queue.queue,
                     "ready": queue.ready, "scheduled": queue.scheduled, "running": queue.running, "paused": queue.paused,
                     "oldest": queue.ready == 0 ? "—" : Self.age(queue.oldestReadyAgeSeconds), "csrf": signed.csrf]
                },
                "workers": try await workers.map { worker -> [String: Any] in
                    ["id": worker.id, "host": worker.host, "pid": worker.pid, "running": worker.running,
                     "queues": worker.queues.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: ", "),
                     "started_at": Self.time(worker.startedAt), "last_seen_at": Self.time(worker.lastSeenAt)]
                },
            ]
            values.merge(try await platformJobs(request)) { $1 }
            do {
                let entries = try ScheduleLoader(catalogue: catalogue).load(folder: cronFolder)
                values["schedule"] = ScheduleStatus.of(entries, records: try await records).map { status -> [String: Any] in
                    ["name": status.entry.name, "expression": "\(status.entry.expression)", "time_zone": status.entry.timeZone.identifier,
                     "kind": status.entry.kind, "enabled": status.entry.enabled, "next_run": status.nextRun.map(Self.time) ?? "—",
                     "last_run": status.record?.lastTick.map(Self.time) ?? "—",
                     "last_job": status.record.flatMap { record in
                         record.lastJobID.map { "\($0) (\(record.lastJobState?.rawValue ?? "pruned"))" }
                     } ?? "—"]
                }
            } catch {
                values["schedule_error"] = "the schedule files are invalid: \(error)"
            }
            return pages.render("platform", values, frame: signed.frame.merging(Self.notice(request)) { $1 }, headers: signed.headers)
        }
    }

    // MARK: Helpers

    /// Runs `body` for a signed-in user (the caller of the request from then on); without a session
    /// the browser goes to the sign-in page, and an error becomes the error page with its status.
    func signedIn(_ request: Request, _ context: APIRequestContext, checkingForm: Bool = false,
                          _ body: (Signed, APIRequestContext) async throws -> Response) async throws -> Response {
        guard let (userID, sessionEpoch) = await session.user(request) else {
            return Response(status: .seeOther, headers: [.location: "/dashboard/login"])
        }
        let logger = database.logger
        guard let user = try await database.read({ try await AccountStore.user(id: userID, on: $0, logger: logger) }) else {
            return Response(status: .seeOther, headers: [.location: "/dashboard/login", .setCookie: DashboardSession.signedOut])
        }
        var signed = Signed(userID: userID, email: user.email,
                            isOperator: accessControl.platformOperators.contains(user.email.lowercased()),
                            csrf: session.csrfToken(for: userID), cookie: try await session.cookie(for: userID, sessionEpoch: sessionEpoch))
        var context = context
        context.caller = .user(userID)
        do {
            if checkingForm {
                signed.form = try? await Self.form(ActionForm.self, request)
                try session.checkCSRF(signed.form?.csrf, userID: userID)
            }
            return try await body(signed, context)
        } catch let error as APIError {
            return errorPage(error.status, error.message, signed)
        } catch let error as QueueError {
            let status: HTTPResponse.Status = error.code == .jobNotFound ? .notFound : .conflict
            return errorPage(status, error.message, signed)
        }
    }

    private func errorPage(_ status: HTTPResponse.Status, _ message: String, _ signed: Signed) -> Response {
        let heading = switch status {
        case .forbidden: "Not allowed"
        case .notFound: "Not found"
        default: "That did not work"
        }
        return pages.render("error", status: status, ["title": heading, "heading": heading, "message": message],
                            frame: signed.frame, headers: signed.headers)
    }

    func audit(_ access: WorkspaceAccess, _ action: String, _ type: String, _ id: String, details: [String: String] = [:]) async throws {
        let logger = database.logger
        try await database.write { transaction in
            try await AuditLog.record(access.audit(action, type, id, details: details), on: transaction.connection, logger: logger)
        }
    }

    /// Form fields; a request body can be read once, so each handler reads it once.
    static func form<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        return try URLEncodedFormDecoder().decode(T.self, from: String(buffer: buffer))
    }

    static func redirect(_ location: String, _ signed: Signed) -> Response {
        Response(status: .seeOther, headers: [.location: location, .setCookie: signed.cookie])
    }

    /// The message of a finished action, from a fixed list (never text from the address).
    static func notice(_ request: Request) -> [String: Any] {
        guard let done = request.uri.queryParameters["done"].map(String.init) else { return [:] }
        let messages = ["retried": "The job will run again.", "cancelled": "The job is cancelled.", "deleted": "The job is deleted.",
                        "paused": "The queue is paused: workers stop claiming from it.", "resumed": "The queue is running again."]
        if done.hasPrefix("retried-"), let count = Int(done.dropFirst("retried-".count)) {
            return ["notice": "\(count) discarded job\(count == 1 ? "" : "s") will run again."]
        }
        for (prefix, verb) in [("cancelled-", "cancelled"), ("bulk-retried-", "made available again")] where done.hasPrefix(prefix) {
            if let count = Int(done.dropFirst(prefix.count).prefix { $0.isNumber }) {
                let more = done.hasSuffix("-more") ? " More match: run it again." : ""
                return ["notice": "\(count) job\(count == 1 ? "" : "s") \(verb).\(more)"]
            }
        }
        return messages[done].map { ["notice": $0] } ?? [:]
    }

    static func row(_ record: JobRecord, workspace: String) -> [String: Any] {
        ["id": record.id, "kind": record.kind, "queue": record.queue, "state": record.state.rawValue, "attempt": record.attempt,
         "max_attempts": record.maxAttempts, "created_at": time(record.createdAt), "workspace_id": workspace]
    }

    /// `42 s`, `7 min 5 s`, `6 h 18 min`, `3 d 4 h`.
    static func age(_ seconds: Double) -> String {
        let total = Int(seconds)
        switch total {
        case ..<60: return "\(total) s"
        case ..<3_600: return "\(total / 60) min \(total % 60) s"
        case ..<86_400: return "\(total / 3_600) h \(total % 3_600 / 60) min"
        default: return "\(total / 86_400) d \(total % 86_400 / 3_600) h"
        }
    }

    static func time(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon)) + " UTC"
    }

    static func pretty(_ json: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed]),
              let data = try? JSONSerialization.data(withJSONObject: object,
                                                     options: [.prettyPrinted, .sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
        else { return json }
        return String(decoding: data, as: UTF8.self)
    }
}
