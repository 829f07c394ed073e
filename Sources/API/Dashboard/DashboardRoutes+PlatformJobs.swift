import Foundation
import Hummingbird
import Platform
import QueueEngine

/// The platform page's job browser: jobs of every workspace and queue by a filter, and the bulk
/// cancel and retry of what it matches — the engine calls `POST /api/admin/jobs/cancel` and `/retry`
/// make, audited the same way. Bulk forms appear only once a filter is set.
extension DashboardRoutes {
    func platformJobs(_ request: Request) async throws -> [String: Any] {
        let query = request.uri.queryParameters
        func field(_ name: String) -> String? { Self.given(query[Substring(name)].map(String.init)) }
        let (queue, state, kind, search) = (field("queue"), field("state"), field("kind"), field("search"))
        var values: [String: Any] = [
            "job_queue": queue ?? "", "job_kind": kind ?? "", "job_search": search ?? "", "job_state": state ?? "",
            "job_states": JobState.allCases.map { ["value": $0.rawValue, "selected": $0.rawValue == state] },
            "job_filtered": queue != nil || state != nil || kind != nil || search != nil,
        ]
        guard queue != nil || state != nil || kind != nil || search != nil else { return values }
        // The same filter, checked the same way, as the bulk forms below send.
        var filter = try OperatorRoutes.filter(queue: queue, state: state, kind: kind, workspaceID: nil, search: search)
        filter.limit = Self.pageSize
        let jobs = try await database.queue.store.list(filter)
        values["platform_jobs"] = jobs.map { record -> [String: Any] in
            var row = Self.row(record, workspace: record.workspaceID ?? "")
            row["has_workspace"] = record.workspaceID.flatMap(UUID.init(uuidString:)) != nil
            return row
        }
        return values
    }

    /// A filter field as the forms send it: blank (empty or spaces) is no filter at all.
    static func given(_ text: String?) -> String? {
        text.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    @Sendable func bulkJobAction(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await signedIn(request, context, checkingForm: true) { signed, context in
            let userID = try await accessControl.requireOperator(context)
            let form = signed.form
            let (queue, state, kind, search) = (Self.given(form?.queue), Self.given(form?.state), Self.given(form?.kind), Self.given(form?.search))
            let filter = try OperatorRoutes.filter(queue: queue, state: state, kind: kind, workspaceID: nil, search: search)
            try OperatorRoutes.requireNarrowed(filter)
            let action = context.parameters.get("action") ?? ""
            let outcome: BulkOutcome
            switch action {
            case "cancel": outcome = try await database.queue.cancelMatching(filter)
            case "retry": outcome = try await database.queue.retryMatching(filter)
            default: throw APIError.notFound("action")
            }
            let fields = [("queue", queue), ("state", state), ("kind", kind), ("search", search)]
            try await OperatorRoutes.auditBulk("jobs.\(action)_matching", filter: fields, outcome, userID: userID, ip: context.remoteIP,
                                               database: database)
            var back = URLComponents()
            back.path = "/dashboard/platform"
            back.queryItems = [URLQueryItem(name: "done", value: "\(action == "cancel" ? "cancelled" : "bulk-retried")-\(outcome.count)"
                                                                + (outcome.more ? "-more" : ""))]
                + fields.compactMap { name, value in
                    value.map { URLQueryItem(name: name, value: $0) }
                }
            return Self.redirect(back.string ?? "/dashboard/platform", signed)
        }
    }
}
