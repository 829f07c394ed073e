import Foundation
import Hummingbird
import Platform
import QueueEngine
import ServerSupport

/// `/api/jobs`: enqueue the kinds callers may start directly, and read, cancel and retry the jobs of
/// the caller's workspace. Every job enqueued here carries the workspace, and every lookup is scoped
/// to it, so a job of another workspace answers 404.
struct JobRoutes {
    let database: APIDatabase
    let accessControl: AccessControl
    let catalogue: JobCatalogue

    /// The kinds callers may enqueue through this route, with the permission each needs. Kinds not
    /// listed (maintenance, and kinds with their own routes such as outbound calls) are refused.
    static let enqueueable: [String: Permission] = [
        CanaryJob.name: .jobsWrite,
        InvokeToolJob.name: .toolsInvoke,
    ]
    static let maximumIdempotencyKeyBytes = 200
    static let maximumTags = 20
    static let enqueueFields = Set(EnqueueBody.CodingKeys.allCases.map(\.rawValue))

    struct EnqueueBody: Decodable, Equatable {
        let kind: String
        let args: JSONValue?
        let priority: Int16?
        let runAt: Date?
        let delaySeconds: Double?
        let maxAttempts: Int?
        let tags: [String]?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, args, priority, tags
            case runAt = "run_at", delaySeconds = "delay_seconds", maxAttempts = "max_attempts"
        }
    }

    struct EnqueueView: ResponseEncodable {
        let id: Int64
        let duplicate: Bool
        let state = "enqueued"

        /// The enqueue route's answer written directly: it is the API's busiest response, and the
        /// generic encoder cost as much as the rest of the route's own work. The same keys and
        /// values as the encoder writes.
        func response(from request: Request, context: some RequestContext) throws -> Response {
            let text = #"{"id":\#(id),"duplicate":\#(duplicate),"state":"\#(state)"}"#
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8", .contentLength: "\(text.utf8.count)"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }

    struct JobView: ResponseEncodable {
        let id: Int64
        let kind: String
        let queue: String
        let state: String
        let args: JSONValue
        let priority: Int16
        let attempt: Int
        let maxAttempts: Int
        let runAt: Date
        let createdAt: Date
        let attemptedAt: Date?
        let finishedAt: Date?
        let tags: [String]
        let errors: JSONValue
        let result: JSONValue?
        let progress: Int?
        let progressMessage: String?
        let cancelRequested: Bool
        /// The trace of the request or job that enqueued it (W3C trace id), when it was traced.
        let traceID: String?
        /// The workspace the job belongs to; platform jobs (maintenance, schedules) have none.
        let workspaceID: String?

        init(_ job: JobRecord) {
            id = job.id
            kind = job.kind
            queue = job.queue
            state = job.state.rawValue
            args = JSONValue(text: job.argsJSON)
            priority = job.priority
            attempt = job.attempt
            maxAttempts = job.maxAttempts
            runAt = job.runAt
            createdAt = job.createdAt
            attemptedAt = job.attemptedAt
            finishedAt = job.finishedAt
            tags = job.tags
            workspaceID = job.workspaceID
            errors = JSONValue(text: job.errorsJSON)
            result = job.resultJSON.map(JSONValue.init(text:))
            progress = job.progress
            progressMessage = job.progressMessage
            cancelRequested = job.cancelRequested
            traceID = job.traceparent.flatMap(TraceContext.init(traceparent:))?.traceID
        }
    }

    func add(to router: Router<APIRequestContext>) {
        router.post("api/jobs", use: enqueue)
        router.get("api/jobs", use: list)
        router.get("api/jobs/:job", use: show)
        router.post("api/jobs/:job/cancel", use: cancel)
        router.post("api/jobs/:job/retry", use: retry)
        router.delete("api/jobs/:job", use: delete)
        router.post("api/jobs/retry-discarded", use: retryDiscarded)
        router.get("api/jobs/activity", use: activity)
    }

    @Sendable func enqueue(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<EnqueueView> {
        let access = try await accessControl.admit(request, context, requiring: .jobsRead)
        let body = try await RequestBody.decode(EnqueueBody.self, from: request, context: context, allowedKeys: Self.enqueueFields)
        guard let permission = Self.enqueueable[body.kind] else {
            throw APIError(.unprocessableContent, .unknownKind, "kind \(body.kind) cannot be enqueued through this route",
                           details: ["field": "kind"])
        }
        guard access.allows(permission) else { throw APIError.forbidden }
        let args = body.args ?? .object([:])
        guard case .object = args else { throw APIError.validation(field: "args", "must be a JSON object") }
        let job = try newJob(body, args: args, access: access, uniqueKey: try Self.idempotencyKey(request, access: access, scope: "api"))
        let result = try await database.queue.enqueue(job)
        return EditedResponse(status: result.isDuplicate ? .ok : .accepted,
                              response: EnqueueView(id: result.id, duplicate: result.isDuplicate))
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> JobView {
        let access = try await accessControl.admit(request, context, requiring: .jobsRead)
        let id = try PathParameter.int64(context, "job")
        return JobView(try await database.queue.store.job(id: id, workspaceID: access.workspaceKey))
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Page<JobView> {
        let access = try await accessControl.admit(request, context, requiring: .jobsRead)
        let query = request.uri.queryParameters
        let limit = try Validation.limit(query["limit"].map(String.init))
        let state = try Self.state(query["state"].map(String.init))
        let before = try IDCursor.parse(query["cursor"])
        for name in ["queue", "kind", "search"] where query[Substring(name)]?.contains(Character("\u{0}")) == true {
            throw APIError.validation(field: name, "must not contain NUL characters")
        }
        let search = query["search"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        if let search, search.utf8.count > 200 { throw APIError.validation(field: "search", "at most 200 bytes") }
        let filter = JobFilter(queue: query["queue"].map(String.init), state: state, kind: query["kind"].map(String.init),
                               workspaceID: access.workspaceKey, beforeID: before, search: search, limit: limit)
        let jobs = try await database.queue.store.list(filter)
        return Page(jobs, limit: limit, cursor: { String($0.id) }, item: JobView.init)
    }

    /// A job state named in a filter (`state=`), or a validation error listing the states.
    static func state(_ text: String?) throws -> JobState? {
        try text.map { text in
            guard let state = JobState(rawValue: text) else {
                throw APIError.validation(field: "state", "must be one of \(JobState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return state
        }
    }

    @Sendable func cancel(_ request: Request, context: APIRequestContext) async throws -> JobView {
        let access = try await accessControl.admit(request, context, requiring: .jobsWrite)
        let id = try PathParameter.int64(context, "job")
        try await database.queue.cancel(id: id, workspaceID: access.workspaceKey)
        try await audit(access, "job.cancel", id)
        return JobView(try await database.queue.store.job(id: id, workspaceID: access.workspaceKey))
    }

    @Sendable func retry(_ request: Request, context: APIRequestContext) async throws -> JobView {
        let access = try await accessControl.admit(request, context, requiring: .jobsWrite)
        let id = try PathParameter.int64(context, "job")
        try await database.queue.retry(id: id, workspaceID: access.workspaceKey)
        try await audit(access, "job.retry", id)
        return JobView(try await database.queue.store.job(id: id, workspaceID: access.workspaceKey))
    }

    /// Deletes a finished job of the workspace (409 while it is queued or running).
    @Sendable func delete(_ request: Request, context: APIRequestContext) async throws -> Response {
        let access = try await accessControl.admit(request, context, requiring: .jobsWrite)
        let id = try PathParameter.int64(context, "job")
        try await database.queue.store.delete(id: id, workspaceID: access.workspaceKey)
        try await audit(access, "job.delete", id)
        return Response(status: .noContent)
    }

    struct RetryDiscardedBody: Decodable {
        let kind: String
    }

    struct RetryDiscardedView: ResponseEncodable {
        let kind: String
        let retried: Int
    }

    /// Runs every discarded job of one kind of the workspace again (those whose unique key another
    /// job holds now stay discarded).
    @Sendable func retryDiscarded(_ request: Request, context: APIRequestContext) async throws -> RetryDiscardedView {
        let access = try await accessControl.admit(request, context, requiring: .jobsWrite)
        let body = try await RequestBody.decode(RetryDiscardedBody.self, from: request, context: context, allowedKeys: ["kind"])
        let kind = try Validation.text(body.kind, field: "kind", maxLength: 200)
        let retried = try await database.queue.retryDiscarded(kind: kind, workspaceID: access.workspaceKey)
        let logger = database.logger
        try await database.write { transaction in
            try await AuditLog.record(access.audit("job.retry_discarded", "job_kind", kind, details: ["retried": "\(retried)"]),
                                      on: transaction.connection, logger: logger)
        }
        return RetryDiscardedView(kind: kind, retried: retried)
    }

    struct ActivityView: ResponseEncodable {
        let minutes: [ActivityMinuteView]
    }

    struct ActivityMinuteView: Encodable, Sendable {
        let minute: Date
        let completed: Int
        let discarded: Int
        let cancelled: Int
        let averageDurationSeconds: Double
        let averageWaitSeconds: Double

        init(_ minute: ActivityMinute) {
            self.minute = minute.minute
            completed = minute.completed
            discarded = minute.discarded
            cancelled = minute.cancelled
            averageDurationSeconds = minute.averageDurationSeconds
            averageWaitSeconds = minute.averageWaitSeconds
        }
    }

    /// The workspace's finished jobs per minute over the last hour: counts by final state, average
    /// run time and wait.
    @Sendable func activity(_ request: Request, context: APIRequestContext) async throws -> ActivityView {
        let access = try await accessControl.admit(request, context, requiring: .jobsRead)
        let minutes = try await database.queue.store.activity(over: .seconds(3_600), workspaceID: access.workspaceKey)
        return ActivityView(minutes: minutes.map(ActivityMinuteView.init))
    }

    /// The unique key of a request's `Idempotency-Key` header, scoped by workspace (two tenants
    /// choosing the same key never meet) and by what the request creates.
    static func idempotencyKey(_ request: Request, access: WorkspaceAccess, scope: String) throws -> String? {
        guard let key = request.headers[.idempotencyKey] else { return nil }
        guard (1...maximumIdempotencyKeyBytes).contains(key.utf8.count) else {
            throw APIError.validation(field: "Idempotency-Key", "must be 1 to \(maximumIdempotencyKeyBytes) bytes")
        }
        return "\(scope):\(access.workspaceKey):\(key)"
    }

    private func newJob(_ body: EnqueueBody, args: JSONValue, access: WorkspaceAccess, uniqueKey: String?) throws -> NewJob {
        if let maxAttempts = body.maxAttempts, !(1...25).contains(maxAttempts) {
            throw APIError.validation(field: "max_attempts", "must be from 1 to 25")
        }
        if let delay = body.delaySeconds, !(0...(366 * 86_400)).contains(delay) {
            throw APIError.validation(field: "delay_seconds", "must be from 0 to one year")
        }
        if body.runAt != nil, body.delaySeconds != nil {
            throw APIError.validation(field: "run_at", "give run_at or delay_seconds, not both")
        }
        // As far ahead as delay_seconds allows; in the past by at most a year (a skewed clock's
        // "now"), since an older time means nothing but "now" either.
        if let runAt = body.runAt, abs(runAt.timeIntervalSinceNow) > 366 * 86_400 {
            throw APIError.validation(field: "run_at", "must be within a year of now")
        }
        let tags = body.tags ?? []
        if tags.count > Self.maximumTags || tags.contains(where: { $0.isEmpty || $0.utf8.count > 64 }) {
            throw APIError.validation(field: "tags", "at most \(Self.maximumTags) tags of 1 to 64 bytes")
        }
        let argsText = args.text
        // PostgreSQL's jsonb cannot hold NUL characters.
        if argsText.contains("\\u0000") { throw APIError.validation(field: "args", "must not contain NUL characters") }
        let defaults = catalogue.defaults(for: body.kind) ?? JobDefaults()
        try catalogue.check(kind: body.kind, argsJSON: argsText)
        let options = JobOptions(priority: body.priority, runAt: body.runAt, delay: body.delaySeconds.map { .milliseconds(Int64($0 * 1000)) },
                                 maxAttempts: body.maxAttempts, uniqueKey: uniqueKey, workspaceID: access.workspaceKey, tags: tags)
        return try NewJob(kind: body.kind, argsJSON: argsText, defaults: defaults, options: options)
    }

    private func audit(_ access: WorkspaceAccess, _ action: String, _ id: Int64) async throws {
        let logger = database.logger
        try await database.write { transaction in
            try await AuditLog.record(access.audit(action, "job", String(id)), on: transaction.connection, logger: logger)
        }
    }
}

/// The enqueue body read without `JSONDecoder` (this route's busiest path), for the fields whose
/// parsed value settles them: `run_at` (its own checks), a fractional or exponent-written integer,
/// a mistyped field or an unknown key go to the decoder instead.
extension JobRoutes.EnqueueBody: ParsedBody {
    init?(members: [JSONParser.Member]) {
        var kind: String?, args: JSONValue?, priority: Int16?, delaySeconds: Double?, maxAttempts: Int?, tags: [String]?
        for member in members {
            switch (member.key, member.value) {
            case ("kind", .string(let text)): kind = text
            case ("args", .null), ("priority", .null), ("delay_seconds", .null), ("max_attempts", .null), ("tags", .null): continue
            case ("args", let value): args = value
            case ("priority", .number(let number)) where member.isIntegerLiteral:
                guard let value = Int16(exactly: number) else { return nil }
                priority = value
            case ("max_attempts", .number(let number)) where member.isIntegerLiteral:
                guard abs(number) < 1e15, let value = Int(exactly: number) else { return nil }
                maxAttempts = value
            case ("delay_seconds", .number(let number)): delaySeconds = number
            case ("tags", .array(let items)):
                let strings = items.compactMap(\.string)
                guard strings.count == items.count else { return nil }
                tags = strings
            default: return nil
            }
        }
        guard let kind else { return nil }
        (self.kind, self.args, self.priority, self.runAt) = (kind, args, priority, nil)
        (self.delaySeconds, self.maxAttempts, self.tags) = (delaySeconds, maxAttempts, tags)
    }
}
