import Foundation
import Hummingbird
import Platform
import QueueEngine

/// `/api/email/campaigns`: bulk email to a list of recipients or to a segment of the workspace's
/// members. Creating one stores it with every recipient and enqueues its fan-out job in one
/// transaction; progress is read back while the chunks run.
struct CampaignRoutes {
    let database: APIDatabase
    let accessControl: AccessControl
    let mail: MailService

    struct RecipientBody: Decodable {
        let email: String
        let name: String?
        let variables: [String: TemplateValue]?
    }

    /// The workspace's members with one of `roles` (every member when absent).
    struct SegmentBody: Decodable {
        let roles: [String]?
    }

    struct CampaignBody: Decodable {
        let name: String
        let template: String
        let variables: [String: TemplateValue]?
        let recipients: [RecipientBody]?
        let segment: SegmentBody?
    }

    struct CampaignView: ResponseEncodable {
        let id: String
        let name: String
        let template: String
        let state: String
        let total: Int
        let chunks: Int
        let counts: [String: Int]?
        let progress: Int?
        let jobID: Int64?
        let createdAt: Date
        let completedAt: Date?

        init(_ campaign: CampaignRecord, counts: CampaignCounts? = nil, jobID: Int64? = nil) {
            id = campaign.id.idString
            name = campaign.name
            template = campaign.template
            state = campaign.state
            total = campaign.total
            chunks = campaign.chunks
            self.counts = counts.map { counts in
                Dictionary(uniqueKeysWithValues: ["queued", "sent", "failed", "bounced", "skipped", "cancelled"]
                    .map { ($0, counts.byState[$0] ?? 0) })
            }
            progress = counts?.percent
            self.jobID = jobID
            createdAt = campaign.createdAt
            completedAt = campaign.completedAt
        }
    }

    func add(to router: Router<APIRequestContext>) {
        router.post("api/email/campaigns", use: create)
        router.get("api/email/campaigns", use: list)
        router.get("api/email/campaigns/:campaign", use: show)
        router.post("api/email/campaigns/:campaign/cancel", use: cancel)
    }

    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<CampaignView> {
        let access = try await accessControl.admit(request, context, requiring: .emailSend)
        let body = try await RequestBody.decode(CampaignBody.self, from: request, context: context,
                                                allowedKeys: ["name", "template", "variables", "recipients", "segment"])
        let name = try Validation.text(body.name, field: "name", maxLength: 200)
        let templateName = try Validation.text(body.template, field: "template", maxLength: 100)
        let variables = body.variables ?? [:]
        let settings = mail.configuration.campaigns
        let logger = database.logger
        let listed = try Self.recipients(body, maximum: settings.maxRecipients)

        let (campaign, jobID) = try await database.write { transaction in
            let connection = transaction.connection
            var recipients = listed
            if let segment = body.segment {
                let roles = try Set((segment.roles ?? WorkspaceRole.allCases.map(\.rawValue)).map { role in
                    guard let parsed = WorkspaceRole(rawValue: role) else {
                        throw APIError.validation(field: "segment.roles", "\(role) is not a role (owner, admin, member, viewer)")
                    }
                    return parsed
                })
                recipients = try await WorkspaceStore.members(workspaceID: access.workspaceID, on: connection, logger: logger)
                    .filter { roles.contains($0.role) }
                    .map { CampaignRecipient(address: $0.email, name: "\($0.firstName) \($0.lastName)".trimmingCharacters(in: .whitespaces)) }
                guard !recipients.isEmpty else { throw APIError.validation(field: "segment", "no member of the workspace has these roles") }
            }
            guard let template = try await CampaignMessage.template(named: templateName, workspaceID: access.workspaceID,
                                                                    templates: mail.templates, on: connection, logger: logger) else {
                throw APIError.validation(field: "template", "no template \(templateName): neither a built-in nor one of the workspace's")
            }
            // Rendered once for the first recipient: a variable the campaign lacks fails here, not at send time.
            do {
                _ = try template.render(CampaignMessage.variables(campaign: variables, recipient: recipients[0],
                                                                  unsubscribeURL: mail.configuration.appURL))
            } catch {
                throw APIError.validation(field: "variables", "\(error)")
            }
            let campaign = try await CampaignStore.create(
                workspaceID: access.workspaceID, name: name, template: templateName, variables: variables, recipients: recipients,
                chunkSize: settings.chunkSize, createdBy: access.caller.userID, on: connection, logger: logger)
            let job = try await transaction.enqueue(CampaignFanOutJob.self, CampaignFanOutJob.Args(campaignID: campaign.id),
                                                    options: JobOptions(queue: settings.queue, workspaceID: access.workspaceKey))
            try await AuditLog.record(access.audit("campaign.create", "campaign", campaign.id.idString,
                                                   details: ["template": templateName, "recipients": "\(campaign.total)"]),
                                      on: connection, logger: logger)
            return (campaign, job.id)
        }
        return EditedResponse(status: .accepted, response: CampaignView(campaign, counts: CampaignCounts(byState: ["queued": campaign.total]),
                                                                         jobID: jobID))
    }

    /// The listed recipients, validated; empty when a segment is given instead.
    static func recipients(_ body: CampaignBody, maximum: Int) throws -> [CampaignRecipient] {
        switch (body.recipients, body.segment) {
        case (nil, nil), (.some, .some):
            throw APIError.validation(field: "recipients", "give either recipients or segment")
        case (nil, .some):
            return []
        case (let list?, nil):
            guard !list.isEmpty else { throw APIError.validation(field: "recipients", "must not be empty") }
            guard list.count <= maximum else { throw APIError.validation(field: "recipients", "at most \(maximum) per campaign") }
            return try list.enumerated().map { index, recipient in
                CampaignRecipient(
                    address: try Validation.email(recipient.email, field: "recipients[\(index)].email"),
                    name: try recipient.name.map { try Validation.text($0, field: "recipients[\(index)].name", maxLength: 200, allowEmpty: true) },
                    variables: recipient.variables ?? [:])
            }
        }
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Page<CampaignView> {
        let access = try await accessControl.admit(request, context, requiring: .emailRead)
        let query = request.uri.queryParameters
        let limit = try Validation.limit(query["limit"].map(String.init))
        let before = try query["cursor"].map { try TimeCursor.parse(String($0)) }
        let logger = database.logger
        let records = try await database.read {
            try await CampaignStore.campaigns(workspaceID: access.workspaceID, before: before, limit: limit, on: $0, logger: logger)
        }
        return Page(records, limit: limit, cursor: { TimeCursor.make($0.createdAt, $0.id) }, item: { CampaignView($0) })
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> CampaignView {
        let access = try await accessControl.admit(request, context, requiring: .emailRead)
        let id = try PathParameter.uuid(context, "campaign")
        let logger = database.logger
        return try await database.read { connection in
            guard let campaign = try await CampaignStore.campaign(id: id, workspaceID: access.workspaceID, on: connection, logger: logger) else {
                throw APIError.notFound("campaign")
            }
            return CampaignView(campaign, counts: try await CampaignStore.counts(campaignID: id, on: connection, logger: logger))
        }
    }

    /// Stops a campaign that is still sending: recipients not yet mailed become `cancelled`.
    @Sendable func cancel(_ request: Request, context: APIRequestContext) async throws -> CampaignView {
        let access = try await accessControl.admit(request, context, requiring: .emailSend)
        let id = try PathParameter.uuid(context, "campaign")
        let logger = database.logger
        return try await database.write { transaction in
            let connection = transaction.connection
            guard let campaign = try await CampaignStore.campaign(id: id, workspaceID: access.workspaceID, on: connection, logger: logger) else {
                throw APIError.notFound("campaign")
            }
            guard try await CampaignStore.cancel(id: id, workspaceID: access.workspaceID, on: connection, logger: logger) else {
                throw APIError(.conflict, .invalidState, "the campaign is \(campaign.state); only a sending campaign can be cancelled")
            }
            try await AuditLog.record(access.audit("campaign.cancel", "campaign", id.idString), on: connection, logger: logger)
            let updated = try await CampaignStore.campaign(id: id, on: connection, logger: logger) ?? campaign
            return CampaignView(updated, counts: try await CampaignStore.counts(campaignID: id, on: connection, logger: logger))
        }
    }
}
