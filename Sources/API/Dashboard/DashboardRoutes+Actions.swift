import Foundation
import Hummingbird
import Platform
import QueueEngine

/// The dashboard's posted actions: each the same engine call as the API's, audited the same way, and
/// answered with a redirect back to the page with a notice.
extension DashboardRoutes {
    @Sendable func queueAction(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await signedIn(request, context, checkingForm: true) { signed, context in
            let userID = try await accessControl.requireOperator(context)
            let queue = try OperatorRoutes.queue(context)
            let action = context.parameters.get("action") ?? ""
            switch action {
            case "pause": try await database.queue.store.pause(queue: queue)
            case "resume": try await database.queue.resume(queue: queue)
            default: throw APIError.notFound("action")
            }
            let logger = database.logger
            try await database.write { transaction in
                try await AuditLog.record(AuditEntry(workspaceID: nil, actorUserID: userID, actorKeyID: nil, action: "queue.\(action)",
                                                     resourceType: "queue", resourceID: queue, ip: context.remoteIP),
                                          on: transaction.connection, logger: logger)
            }
            return Self.redirect("/dashboard/platform?done=\(action)d", signed)
        }
    }

    @Sendable func jobAction(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await signedIn(request, context, checkingForm: true) { signed, context in
            let workspace = try PathParameter.uuid(context, "workspace")
            let access = try await accessControl.admit(request, context, workspace: workspace, requiring: .dashboard)
            let id = try PathParameter.int64(context, "job")
            let action = context.parameters.get("action") ?? ""
            let page = "/dashboard/workspaces/\(access.workspaceKey)/jobs/\(id)"
            switch action {
            case "retry": try await database.queue.retry(id: id, workspaceID: access.workspaceKey)
            case "cancel": try await database.queue.cancel(id: id, workspaceID: access.workspaceKey)
            case "delete": try await database.queue.store.delete(id: id, workspaceID: access.workspaceKey)
            default: throw APIError.notFound("action")
            }
            try await audit(access, "job.\(action)", "job", String(id))
            if action == "delete" { return Self.redirect("/dashboard/workspaces/\(access.workspaceKey)?done=deleted", signed) }
            return Self.redirect("\(page)?done=\(action == "cancel" ? "cancelled" : "retried")", signed)
        }
    }

    @Sendable func retryDiscarded(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await signedIn(request, context, checkingForm: true) { signed, context in
            let workspace = try PathParameter.uuid(context, "workspace")
            let access = try await accessControl.admit(request, context, workspace: workspace, requiring: .dashboard)
            let kind = try Validation.text(signed.form?.kind ?? "", field: "kind", maxLength: 200)
            let count = try await database.queue.retryDiscarded(kind: kind, workspaceID: access.workspaceKey)
            try await audit(access, "job.retry_discarded", "job_kind", kind, details: ["retried": "\(count)"])
            return Self.redirect("/dashboard/workspaces/\(access.workspaceKey)?done=retried-\(count)", signed)
        }
    }
}
