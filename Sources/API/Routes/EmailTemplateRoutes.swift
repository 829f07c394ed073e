import Foundation
import Hummingbird
import Platform

/// `/api/email/templates`: a workspace's own versions of the built-in emails and its campaign
/// templates. A version is checked when saved — it must parse, and a version of a built-in may use
/// only the variables that email is given — so a broken template is a 422 here, never a failed send.
struct EmailTemplateRoutes {
    let database: APIDatabase
    let accessControl: AccessControl
    let mail: MailService
    /// Each part's size cap (the whole body must also fit the API's 1 MiB).
    static let maxPartBytes = 200_000

    struct TemplateBody: Decodable {
        let subject: String
        let text: String
        let html: String
    }

    struct PreviewBody: Decodable {
        let subject: String?
        let text: String?
        let html: String?
        let variables: [String: TemplateValue]?
    }

    struct SummaryView: Encodable, Sendable {
        let name: String
        let builtIn: Bool
        let customized: Bool
        let updatedAt: Date?
    }

    struct TemplateView: ResponseEncodable {
        let name: String
        /// `workspace` (its own version) or `built-in`.
        let source: String
        let subject: String
        let text: String
        let html: String
        let variables: [String]
    }

    struct PreviewView: ResponseEncodable {
        let subject: String
        let text: String
        let html: String
    }

    func add(to router: Router<APIRequestContext>) {
        router.get("api/email/templates", use: list)
        router.get("api/email/templates/:template", use: show)
        router.put("api/email/templates/:template", use: save)
        router.delete("api/email/templates/:template", use: delete)
        router.post("api/email/templates/:template/preview", use: preview)
    }

    /// Template names: lowercase letters, digits, `_` and `-`, as the built-in files are named. An
    /// invalid one answers like an unknown one.
    static func name(_ context: APIRequestContext) throws -> String {
        guard let name = context.parameters.get("template"), (1...64).contains(name.count),
              name.allSatisfy({ ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "_" || $0 == "-" }) else {
            throw APIError.notFound("template")
        }
        return name
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Page<SummaryView> {
        let access = try await accessControl.admit(request, context, requiring: .emailRead)
        let templates = mail.templates
        let logger = database.logger
        let own = try await database.read { try await EmailStore.templateOverrides(workspaceID: access.workspaceID, on: $0, logger: logger) }
        let changed = Dictionary(own) { first, _ in first }
        let names = Set(templates.builtInNames).union(changed.keys).sorted()
        return Page(items: names.map { name in
            SummaryView(name: name, builtIn: templates.template(named: name) != nil, customized: changed[name] != nil, updatedAt: changed[name])
        }, nextCursor: nil)
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> TemplateView {
        let access = try await accessControl.admit(request, context, requiring: .emailRead)
        let name = try Self.name(context)
        let templates = mail.templates
        let logger = database.logger
        let own = try await database.read {
            try await EmailStore.templateOverride(workspaceID: access.workspaceID, name: name, on: $0, logger: logger)
        }
        guard let source = own ?? templates.source(named: name) else { throw APIError.notFound("template") }
        return TemplateView(name: name, source: own == nil ? "built-in" : "workspace", subject: source.subject, text: source.text,
                            html: source.html, variables: templates.variables(of: name))
    }

    @Sendable func save(_ request: Request, context: APIRequestContext) async throws -> TemplateView {
        let access = try await accessControl.admit(request, context, requiring: .emailSend)
        let name = try Self.name(context)
        let body = try await RequestBody.decode(TemplateBody.self, from: request, context: context, allowedKeys: ["subject", "text", "html"])
        let source = TemplateSource(subject: try Self.part(body.subject, "subject"), text: try Self.part(body.text, "text"),
                                    html: try Self.part(body.html, "html"))
        let templates = mail.templates
        do {
            _ = try templates.check(name: name, source)
        } catch let error as EmailTemplateError {
            throw APIError.validation(field: error.part, error.message)
        }
        let logger = database.logger
        try await database.write { transaction in
            let connection = transaction.connection
            let existed = try await EmailStore.templateOverride(workspaceID: access.workspaceID, name: name, on: connection, logger: logger) != nil
            try await EmailStore.saveTemplate(workspaceID: access.workspaceID, name: name, source, updatedBy: access.caller.userID,
                                              on: connection, logger: logger)
            try await AuditLog.record(access.audit("email_template.\(existed ? "update" : "create")", "email_template", name),
                                      on: connection, logger: logger)
        }
        return TemplateView(name: name, source: "workspace", subject: source.subject, text: source.text, html: source.html,
                            variables: templates.variables(of: name))
    }

    /// Removes the workspace's version: a built-in is used again, a campaign template is gone.
    @Sendable func delete(_ request: Request, context: APIRequestContext) async throws -> Response {
        let access = try await accessControl.admit(request, context, requiring: .emailSend)
        let name = try Self.name(context)
        let logger = database.logger
        try await database.write { transaction in
            guard try await EmailStore.deleteTemplate(workspaceID: access.workspaceID, name: name, on: transaction.connection, logger: logger) else {
                throw APIError.notFound("template")
            }
            try await AuditLog.record(access.audit("email_template.delete", "email_template", name), on: transaction.connection, logger: logger)
        }
        return Response(status: .noContent)
    }

    /// Renders a draft (the parts given, over the template in use) with the given variables over a
    /// built-in's sample values (or a sample recipient for campaign templates).
    @Sendable func preview(_ request: Request, context: APIRequestContext) async throws -> PreviewView {
        let access = try await accessControl.admit(request, context, requiring: .emailRead)
        let name = try Self.name(context)
        let body = try await RequestBody.decode(PreviewBody.self, from: request, context: context,
                                                allowedKeys: ["subject", "text", "html", "variables"])
        let logger = database.logger
        let stored = try await database.read {
            try await EmailStore.templateOverride(workspaceID: access.workspaceID, name: name, on: $0, logger: logger)
        }
        let draft: TemplateSource
        if let subject = body.subject, let text = body.text, let html = body.html {
            draft = TemplateSource(subject: try Self.part(subject, "subject"), text: try Self.part(text, "text"), html: try Self.part(html, "html"))
        } else {
            guard let current = stored ?? mail.templates.source(named: name) else { throw APIError.notFound("template") }
            draft = TemplateSource(subject: try body.subject.map { try Self.part($0, "subject") } ?? current.subject,
                                   text: try body.text.map { try Self.part($0, "text") } ?? current.text,
                                   html: try body.html.map { try Self.part($0, "html") } ?? current.html)
        }
        let sample = try BuiltInEmails.all.first { $0.template == name }?.sample.variables()
            ?? CampaignMessage.variables(campaign: [:], recipient: CampaignRecipient(address: "ada@example.com", name: "Ada Lovelace"),
                                         unsubscribeURL: "\(mail.configuration.apiURL)/unsubscribe?token=sample")
        do {
            let template = try EmailTemplate(name: name, subject: draft.subject, text: draft.text, html: draft.html)
            let rendered = try template.render(sample.merging(body.variables ?? [:]) { _, given in given }
                .merging(mail.templates.globals) { own, _ in own })
            return PreviewView(subject: rendered.subject, text: rendered.text, html: rendered.html)
        } catch {
            throw APIError.validation(field: error.part, error.message)
        }
    }

    static func part(_ value: String, _ field: String) throws -> String {
        guard !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw APIError.validation(field: field, "must not be empty") }
        guard value.utf8.count <= maxPartBytes else { throw APIError.validation(field: field, "at most \(maxPartBytes) bytes") }
        return value
    }
}
