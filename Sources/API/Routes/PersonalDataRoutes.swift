import Foundation
import Hummingbird
import NIOCore
import Platform
import QueueEngine

/// `/api/me/export…`: a signed-in user asks for everything the platform holds about them; a job
/// builds the ZIP and emails a link; only the same user downloads it, until it expires.
struct PersonalDataRoutes {
    let database: APIDatabase
    let signIn: SignIn
    let providers: PlatformProviders
    let deletionGrace: Duration

    struct RequestView: ResponseEncodable {
        let id: String
        let kind: String
        let state: String
        let sizeBytes: Int64?
        let expiresAt: Date?
        let error: String?
        let jobID: Int64?
        let createdAt: Date
        let completedAt: Date?

        init(_ request: GDPRRequest, jobID: Int64? = nil) {
            id = request.id.idString
            kind = request.kind
            state = request.state
            sizeBytes = request.sizeBytes
            expiresAt = request.expiresAt
            error = request.error
            self.jobID = jobID
            createdAt = request.createdAt
            completedAt = request.completedAt
        }
    }

    struct DeletionBody: Decodable {
        let password: String
        let workspacePolicy: String?

        enum CodingKeys: String, CodingKey {
            case password
            case workspacePolicy = "workspace_policy"
        }
    }

    func add(to router: Router<APIRequestContext>) {
        router.post("api/me/delete", use: requestDeletion)
        router.delete("api/me/delete", use: cancelDeletion)
        router.post("api/me/export", use: requestExport)
        router.get("api/me/exports/:export", use: show)
        router.get("api/me/exports/:export/download", use: download)
    }

    static func user(_ context: APIRequestContext) throws -> UUID {
        try context.requireUser("API keys have no personal data; sign in as the user")
    }

    /// Schedules the deletion of the caller's account and personal data after the grace period
    /// (`GDPR_DELETION_GRACE_HOURS`); the password confirms it. `workspace_policy` says what
    /// happens to workspaces the caller is the only Owner of: `transfer` (to the next Admin or
    /// member; deleted when nobody is left) or `delete`.
    @Sendable func requestDeletion(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<RequestView> {
        let userID = try Self.user(context)
        let body = try await RequestBody.decode(DeletionBody.self, from: request, context: context)
        let policy = body.workspacePolicy ?? "transfer"
        guard ["transfer", "delete"].contains(policy) else {
            throw APIError.validation(field: "workspace_policy", "must be transfer or delete")
        }
        let logger = database.logger
        guard let user = try await database.read({ try await AccountStore.user(id: userID, on: $0, logger: logger) }),
              let (_, hash) = try await database.read({ try await AccountStore.credentials(email: user.email, on: $0, logger: logger) }),
              try await signIn.passwords.verify(body.password, hash: hash) else {
            throw APIError(.unauthorized, .invalidCredentials, "the password is not right")
        }
        let due = Date().addingTimeInterval(deletionGrace.seconds)
        let deletion = try await database.write { transaction in
            let connection = transaction.connection
            if try await GDPRStore.open(userID: userID, kind: "deletion", on: connection, logger: logger) != nil {
                throw APIError(.conflict, .conflict, "the account is already scheduled for deletion")
            }
            let deletion = try await GDPRStore.create(userID: userID, kind: "deletion", workspacePolicy: policy, dueAt: due,
                                                      on: connection, logger: logger)
            try await AuditLog.record(AuditEntry(workspaceID: nil, actorUserID: userID, actorKeyID: nil, action: "user.deletion_request",
                                                 resourceType: "user", resourceID: userID.idString, ip: context.remoteIP),
                                      on: connection, logger: logger)
            return deletion
        }
        return EditedResponse(status: .accepted, response: RequestView(deletion))
    }

    /// Cancels a scheduled deletion during its grace period.
    @Sendable func cancelDeletion(_ request: Request, context: APIRequestContext) async throws -> Response {
        let userID = try Self.user(context)
        let logger = database.logger
        try await database.write { transaction in
            guard try await GDPRStore.cancelPendingDeletion(userID: userID, on: transaction.connection, logger: logger) else {
                throw APIError.notFound("scheduled deletion")
            }
            try await AuditLog.record(AuditEntry(workspaceID: nil, actorUserID: userID, actorKeyID: nil, action: "user.deletion_cancel",
                                                 resourceType: "user", resourceID: userID.idString, ip: context.remoteIP),
                                      on: transaction.connection, logger: logger)
        }
        return Response(status: .noContent)
    }

    @Sendable func requestExport(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<RequestView> {
        let userID = try Self.user(context)
        let logger = database.logger
        let (export, jobID) = try await database.write { transaction in
            let connection = transaction.connection
            if try await GDPRStore.open(userID: userID, kind: "export", on: connection, logger: logger) != nil {
                throw APIError(.conflict, .conflict, "an export is already being prepared")
            }
            let export = try await GDPRStore.create(userID: userID, kind: "export", on: connection, logger: logger)
            let job = try await transaction.enqueue(GDPRExportJob.self, GDPRExportJob.Args(requestID: export.id))
            try await AuditLog.record(AuditEntry(workspaceID: nil, actorUserID: userID, actorKeyID: nil, action: "user.export_request",
                                                 resourceType: "user", resourceID: userID.idString, ip: context.remoteIP),
                                      on: connection, logger: logger)
            return (export, job.id)
        }
        return EditedResponse(status: .accepted, response: RequestView(export, jobID: jobID))
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> RequestView {
        RequestView(try await export(context))
    }

    /// The archive, for the user it belongs to; 410 once it expired, 409 while it is being built.
    @Sendable func download(_ request: Request, context: APIRequestContext) async throws -> Response {
        let export = try await export(context)
        guard export.state == "completed", let key = export.storageKey else {
            throw APIError(.conflict, .invalidState, "the export is \(export.state)")
        }
        if let expires = export.expiresAt, expires < Date() {
            throw APIError(.gone, .invalidState, "the export expired; ask for a new one")
        }
        let data = try await providers.storage.withLocalFile(key: key) { try Data(contentsOf: $0) }
        return Response(status: .ok, headers: [
            .contentType: "application/zip",
            .contentDisposition: "attachment; filename=\"voicepartner-export-\(export.id.idString).zip\"",
        ], body: .init(byteBuffer: ByteBuffer(data: data)))
    }

    private func export(_ context: APIRequestContext) async throws -> GDPRRequest {
        let userID = try Self.user(context)
        let id = try PathParameter.uuid(context, "export")
        let logger = database.logger
        guard let export = try await database.read({ try await GDPRStore.request(id: id, userID: userID, on: $0, logger: logger) }),
              export.kind == "export" else { throw APIError.notFound("export") }
        return export
    }
}
