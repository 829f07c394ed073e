import Foundation
import Hummingbird
import Platform
import Providers
import QueueEngine

/// Members and invites of a workspace. Admins manage Members and Viewers; only an Owner grants,
/// changes or removes the Owner role; the last Owner can neither leave nor be demoted.
struct MemberRoutes {
    let database: APIDatabase
    let accessControl: AccessControl
    let signIn: SignIn
    let outbox: EmailOutbox
    let mail: MailService
    let inviteLifetime: Duration

    struct InviteBody: Decodable {
        let email: String
        let role: String?
    }

    struct RoleBody: Decodable {
        let role: String
    }

    struct AcceptBody: Decodable {
        let token: String
    }

    struct MemberView: Encodable, Sendable {
        let userID: String
        let email: String
        let firstName: String
        let lastName: String
        let role: WorkspaceRole
        let joinedAt: Date

        init(_ member: MemberRecord) {
            userID = member.userID.idString
            email = member.email
            firstName = member.firstName
            lastName = member.lastName
            role = member.role
            joinedAt = member.joinedAt
        }
    }

    struct InviteView: ResponseEncodable {
        let id: String
        let workspaceID: String
        let email: String
        let role: WorkspaceRole
        let expiresAt: Date
        let createdAt: Date
        /// Present once, in the answer to the invite: the invitee accepts with it.
        let token: String?

        init(_ invite: InviteRecord, token: String? = nil) {
            id = invite.id.idString
            workspaceID = invite.workspaceID.idString
            email = invite.email
            role = invite.role
            expiresAt = invite.expiresAt
            createdAt = invite.createdAt
            self.token = token
        }
    }

    struct MemberList: ResponseEncodable {
        let members: [MemberView]
        let invites: [InviteView]
    }

    func add(to router: Router<APIRequestContext>) {
        router.get("api/workspaces/:workspace/members", use: list)
        router.post("api/workspaces/:workspace/members", use: invite)
        router.put("api/workspaces/:workspace/members/:user", use: changeRole)
        router.delete("api/workspaces/:workspace/members/:user", use: remove)
        router.delete("api/workspaces/:workspace/invites/:invite", use: revokeInvite)
        router.post("api/invites/accept", use: accept)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> MemberList {
        let access = try await accessControl.admit(request, context, workspace: PathParameter.uuid(context, "workspace"), requiring: .membersRead)
        let logger = database.logger
        let (members, invites) = try await database.read { connection in
            (try await WorkspaceStore.members(workspaceID: access.workspaceID, on: connection, logger: logger),
             try await WorkspaceStore.invites(workspaceID: access.workspaceID, on: connection, logger: logger))
        }
        return MemberList(members: members.map(MemberView.init),
                          invites: access.allows(.membersManage) ? invites.map { InviteView($0) } : [])
    }

    /// Invites an address with a role. The token is answered once (the invite email, a job of the
    /// email kinds, carries it to the invitee); only its digest is stored.
    @Sendable func invite(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<InviteView> {
        let access = try await accessControl.admit(request, context, workspace: PathParameter.uuid(context, "workspace"), requiring: .membersManage)
        let body = try await RequestBody.decode(InviteBody.self, from: request, context: context)
        let email = try Validation.email(body.email)
        let role = try Self.role(body.role ?? WorkspaceRole.member.rawValue)
        guard role != .owner || access.role == .owner else {
            throw APIError(.forbidden, .forbidden, "only an Owner can invite another Owner")
        }
        let token = SecretToken.generate()
        let expiresAt = Date().addingTimeInterval(inviteLifetime.seconds)
        let logger = database.logger
        let invite = try await database.write { transaction in
            let invite = try await WorkspaceStore.createInvite(
                workspaceID: access.workspaceID, email: email, role: role, tokenHash: SecretToken.digest(token),
                invitedBy: access.caller.userID, expiresAt: expiresAt, on: transaction.connection, logger: logger)
            try await AuditLog.record(access.audit("member.invite", "invite", invite.id.idString,
                                                   details: ["email": email, "role": role.rawValue]),
                                      on: transaction.connection, logger: logger)
            try await enqueueInviteEmail(access, email: email, role: role, token: token, in: transaction)
            return invite
        }
        return EditedResponse(status: .created, response: InviteView(invite, token: token))
    }

    /// The invitee's email, with the accept link carrying the token (sealed in the job).
    private func enqueueInviteEmail(_ access: WorkspaceAccess, email: String, role: WorkspaceRole, token: String,
                                    in transaction: JobTransaction) async throws {
        let logger = database.logger
        let workspace = try await WorkspaceStore.workspace(id: access.workspaceID, on: transaction.connection, logger: logger)
        var inviter = "A member"
        if let userID = access.caller.userID, let user = try await AccountStore.user(id: userID, on: transaction.connection, logger: logger) {
            inviter = user.fullName ?? user.email
        }
        let appURL = mail.configuration.appURL
        let content = TeamInviteEmail(inviterName: inviter, workspaceName: workspace?.name ?? "a workspace", role: role.rawValue,
                                      acceptURL: "\(appURL)/invites/accept?token=\(token)",
                                      validDays: max(1, Int(inviteLifetime.seconds / 86_400)))
        try await outbox.enqueue(content, to: EmailAddress(email), workspaceID: access.workspaceID, secret: ["accept_url"],
                                        in: transaction)
    }

    @Sendable func accept(_ request: Request, context: APIRequestContext) async throws -> WorkspaceRoutes.WorkspaceView {
        let userID = try WorkspaceRoutes.requireUser(context)
        let body = try await RequestBody.decode(AcceptBody.self, from: request, context: context)
        let logger = database.logger
        return try await database.write { transaction in
            guard let user = try await AccountStore.user(id: userID, on: transaction.connection, logger: logger),
                  let invite = try await WorkspaceStore.acceptInvite(tokenHash: SecretToken.digest(body.token), email: user.email,
                                                                     on: transaction.connection, logger: logger),
                  let workspace = try await WorkspaceStore.workspace(id: invite.workspaceID, on: transaction.connection, logger: logger)
            else { throw APIError.notFound("invite") }
            _ = try await WorkspaceStore.addMember(workspaceID: invite.workspaceID, userID: userID, role: invite.role,
                                                   on: transaction.connection, logger: logger)
            let role = try await WorkspaceStore.role(of: userID, in: invite.workspaceID, on: transaction.connection, logger: logger)
            try await AuditLog.record(AuditEntry(workspaceID: invite.workspaceID, actorUserID: userID, actorKeyID: nil, action: "member.join",
                                                 resourceType: "member", resourceID: userID.idString, ip: context.remoteIP,
                                                 detailsJSON: #"{"role":"\#(invite.role.rawValue)"}"#),
                                      on: transaction.connection, logger: logger)
            return WorkspaceRoutes.WorkspaceView(workspace, role: role)
        }
    }

    @Sendable func changeRole(_ request: Request, context: APIRequestContext) async throws -> Response {
        let access = try await accessControl.admit(request, context, workspace: PathParameter.uuid(context, "workspace"), requiring: .membersManage)
        let target = try PathParameter.uuid(context, "user")
        let body = try await RequestBody.decode(RoleBody.self, from: request, context: context)
        let role = try Self.role(body.role)
        try await change(access, target: target, to: role)
        return Response(status: .noContent)
    }

    /// Removes a member; every member may remove themselves (leave), managers may remove others.
    @Sendable func remove(_ request: Request, context: APIRequestContext) async throws -> Response {
        let workspaceID = try PathParameter.uuid(context, "workspace")
        let target = try PathParameter.uuid(context, "user")
        let leaving = try context.requireCaller().userID == target
        let access = try await accessControl.admit(request, context, workspace: workspaceID,
                                               requiring: leaving ? .workspaceRead : .membersManage)
        try await change(access, target: target, to: nil)
        return Response(status: .noContent)
    }

    @Sendable func revokeInvite(_ request: Request, context: APIRequestContext) async throws -> Response {
        let access = try await accessControl.admit(request, context, workspace: PathParameter.uuid(context, "workspace"), requiring: .membersManage)
        let inviteID = try PathParameter.uuid(context, "invite")
        let logger = database.logger
        try await database.write { transaction in
            guard try await WorkspaceStore.revokeInvite(workspaceID: access.workspaceID, id: inviteID, on: transaction.connection,
                                                        logger: logger) else {
                throw APIError.notFound("invite")
            }
            try await AuditLog.record(access.audit("invite.revoke", "invite", inviteID.idString),
                                      on: transaction.connection, logger: logger)
        }
        return Response(status: .noContent)
    }

    /// Changes (or with nil removes) a membership under the Owner rules.
    private func change(_ access: WorkspaceAccess, target: UUID, to role: WorkspaceRole?) async throws {
        let logger = database.logger
        try await database.write { transaction in
            guard let current = try await WorkspaceStore.role(of: target, in: access.workspaceID, on: transaction.connection, logger: logger) else {
                throw APIError.notFound("member")
            }
            let selfChange = access.caller.userID == target
            if (current == .owner || role == .owner), access.role != .owner, !(selfChange && role == nil) {
                throw APIError(.forbidden, .forbidden, "only an Owner can grant, change or remove the Owner role")
            }
            switch try await WorkspaceStore.changeMember(workspaceID: access.workspaceID, userID: target, to: role,
                                                         on: transaction.connection, logger: logger) {
            case .done: break
            case .notAMember: throw APIError.notFound("member")
            case .lastOwner:
                throw APIError(.conflict, .lastOwner, "a workspace needs an Owner: make another member Owner first")
            }
            var details = ["from": current.rawValue, "to": role?.rawValue ?? "removed"]
            if role == nil {
                let revoked = try await APIKeyStore.revokeAll(createdBy: target, workspaceID: access.workspaceID,
                                                              on: transaction.connection, logger: logger)
                details["api_keys_revoked"] = String(revoked)
            }
            try await AuditLog.record(access.audit(role == nil ? "member.remove" : "member.role", "member", target.idString, details: details),
                                      on: transaction.connection, logger: logger)
        }
        // Keys carry their creator's role: the cached ones must see the change at once.
        signIn.apiKeys.forgetAll()
    }

    static func role(_ text: String) throws -> WorkspaceRole {
        guard let role = WorkspaceRole(rawValue: text.lowercased()) else {
            throw APIError.validation(field: "role", "must be one of owner, admin, member, viewer")
        }
        return role
    }
}
