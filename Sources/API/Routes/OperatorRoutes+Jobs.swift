import Foundation
import Hummingbird
import Platform
import QueueEngine

/// `/api/admin/jobs`: the operators' job browser across every workspace and queue, and bulk cancel
/// and retry of what a filter matches (at most `JobStore.bulkLimit` jobs a call; `more` says to
/// call again). Each bulk action is audited with its filter and count.
extension OperatorRoutes {
    /// Which jobs a bulk action takes; at least one field must be set, so an empty body never means "every job".
    struct JobFilterBody: Decodable {
        let queue: String?
        let state: String?
        let kind: String?
        let workspaceID: UUID?
        let search: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case queue, state, kind, search
            case workspaceID = "workspace_id"
        }

        var fields: [(String, String?)] {
            [("queue", queue), ("state", state), ("kind", kind), ("workspace_id", workspaceID?.idString), ("search", search)]
        }
    }

    struct BulkView: ResponseEncodable {
        let count: Int
        /// Running jobs told to stop (cancel only).
        let running: Int
        let more: Bool
    }

    func addJobRoutes(to router: Router<APIRequestContext>) {
        router.get("api/admin/jobs", use: jobs)
        router.post("api/admin/jobs/cancel", use: cancelJobs)
        router.post("api/admin/jobs/retry", use: retryJobs)
    }

    @Sendable func jobs(_ request: Request, context: APIRequestContext) async throws -> Page<JobRoutes.JobView> {
        _ = try await accessControl.requireOperator(context)
        let query = request.uri.queryParameters
        let limit = try Validation.limit(query["limit"].map(String.init))
        let workspace = try query["workspace_id"].map { text -> UUID in
            guard let id = UUID(uuidString: String(text)) else { throw APIError.validation(field: "workspace_id", "must be a UUID") }
            return id
        }
        var filter = try Self.filter(queue: query["queue"].map(String.init), state: query["state"].map(String.init),
                                     kind: query["kind"].map(String.init), workspaceID: workspace, search: query["search"].map(String.init))
        filter.beforeID = try IDCursor.parse(query["cursor"])
        filter.limit = limit
        let jobs = try await database.queue.store.list(filter)
        return Page(jobs, limit: limit, cursor: { String($0.id) }, item: JobRoutes.JobView.init)
    }

    @Sendable func cancelJobs(_ request: Request, context: APIRequestContext) async throws -> BulkView {
        let (filter, userID, body) = try await bulkFilter(request, context, states: [.available, .running])
        let outcome = try await database.queue.cancelMatching(filter)
        try await Self.auditBulk("jobs.cancel_matching", filter: body.fields, outcome, userID: userID, ip: context.remoteIP, database: database)
        return BulkView(count: outcome.count, running: outcome.running.count, more: outcome.more)
    }

    @Sendable func retryJobs(_ request: Request, context: APIRequestContext) async throws -> BulkView {
        let (filter, userID, body) = try await bulkFilter(request, context, states: [.discarded, .cancelled])
        let outcome = try await database.queue.retryMatching(filter)
        try await Self.auditBulk("jobs.retry_matching", filter: body.fields, outcome, userID: userID, ip: context.remoteIP, database: database)
        return BulkView(count: outcome.count, running: 0, more: outcome.more)
    }

    private func bulkFilter(_ request: Request, _ context: APIRequestContext,
                            states: [JobState]) async throws -> (JobFilter, UUID, JobFilterBody) {
        let userID = try await accessControl.requireOperator(context)
        let body = try await RequestBody.decode(JobFilterBody.self, from: request, context: context,
                                                allowedKeys: Set(JobFilterBody.CodingKeys.allCases.map(\.rawValue)))
        let filter = try Self.filter(queue: body.queue, state: body.state, kind: body.kind, workspaceID: body.workspaceID, search: body.search)
        try Self.requireNarrowed(filter)
        if let state = filter.state, !states.contains(state) {
            throw APIError.validation(field: "state", "must be \(states.map(\.rawValue).joined(separator: " or ")) here")
        }
        return (filter, userID, body)
    }

    /// A bulk action names at least one thing to match after blanks are dropped, so neither an empty
    /// body nor an empty search ever means every job.
    static func requireNarrowed(_ filter: JobFilter) throws {
        guard filter.queue != nil || filter.state != nil || filter.kind != nil || filter.workspaceID != nil || filter.search != nil else {
            throw APIError.validation(field: "body", "name at least one of queue, state, kind, workspace_id and search")
        }
    }

    static func filter(queue: String?, state: String?, kind: String?, workspaceID: UUID?, search: String?) throws -> JobFilter {
        let state = try JobRoutes.state(state)
        let queue = try queue.map { try Validation.text($0, field: "queue", maxLength: 100) }
        let kind = try kind.map { try Validation.text($0, field: "kind", maxLength: 200) }
        let search = try search.flatMap { $0.isEmpty ? nil : try Validation.text($0, field: "search", maxLength: 200) }
        return JobFilter(queue: queue, state: state, kind: kind, workspaceID: workspaceID?.idString, search: search)
    }

    /// Audits a bulk action with its filter and what it changed (the dashboard's forms too).
    static func auditBulk(_ action: String, filter fields: [(String, String?)], _ outcome: BulkOutcome, userID: UUID, ip: String?,
                          database: APIDatabase) async throws {
        var details = ["count": "\(outcome.count)", "more": "\(outcome.more)"]
        for (name, value) in fields { details[name] = value }
        let detailsJSON = String(decoding: try JSONEncoder().encode(details), as: UTF8.self)
        let logger = database.logger
        try await database.write { transaction in
            try await AuditLog.record(AuditEntry(workspaceID: nil, actorUserID: userID, actorKeyID: nil, action: action,
                                                 resourceType: "job", resourceID: nil, ip: ip, detailsJSON: detailsJSON),
                                      on: transaction.connection, logger: logger)
        }
    }
}
