import Foundation
import Logging
import PostgresNIO
import Providers
import QueueEngine

/// Sends one templated email to one address: lifecycle mail (welcome, password reset, invites) and
/// the notices of other jobs. Suppressed and unsubscribed addresses are skipped; a permanent
/// rejection suppresses the address and ends the job; provider trouble retries with backoff after
/// the failover list is exhausted. The Message-ID is derived from the job, so a resend after a
/// lost acknowledgement is recognisable downstream.
public struct SendEmailJob: JobKind {
    public struct Args: Codable, Sendable {
        public var template: String
        public var to: EmailAddress
        public var variables: [String: TemplateValue]
        /// Variables that are secrets, sealed with `SECRETS_KEY` (see `SecretSealer`).
        public var sealedVariables: String?
        /// The workspace whose template override and unsubscribe list apply.
        public var workspaceID: UUID?

        public init(template: String, to: EmailAddress, variables: [String: TemplateValue], sealedVariables: String? = nil,
                    workspaceID: UUID? = nil) {
            self.template = template
            self.to = to
            self.variables = variables
            self.sealedVariables = sealedVariables
            self.workspaceID = workspaceID
        }

        /// The args for a built-in email; the `secret` variables (snake_case names) are sealed.
        public init<Content: EmailContent>(_ content: Content, to: EmailAddress, workspaceID: UUID? = nil,
                                           secret: Set<String> = [], sealer: SecretSealer? = nil) throws {
            var variables = try content.variables()
            var sealed: [String: TemplateValue] = [:]
            for name in secret {
                sealed[name] = variables.removeValue(forKey: name)
            }
            if !sealed.isEmpty {
                guard let sealer else { throw SealingUnavailable() }
                self.init(template: Content.template, to: to, variables: variables, sealedVariables: try sealer.seal(sealed),
                          workspaceID: workspaceID)
            } else {
                self.init(template: Content.template, to: to, variables: variables, workspaceID: workspaceID)
            }
        }
    }

    public struct SealingUnavailable: Error, CustomStringConvertible {
        public var description: String { "SECRETS_KEY is not set: emails that carry tokens cannot be enqueued" }
    }

    struct Result: Codable {
        let provider: String
        let messageID: String
    }

    public static let name = "email.send"
    public static var defaults: JobDefaults {
        JobDefaults(queue: "email", maxAttempts: 10, timeout: .seconds(120), retryPolicy: RetryPolicy(base: .seconds(15), cap: .seconds(1_800)))
    }

    let client: PostgresClient
    let mail: MailService?

    public init(client: PostgresClient, mail: MailService?) {
        self.client = client
        self.mail = mail
    }

    public func run(_ args: Args, context: JobContext) async throws -> JobOutcome {
        if let reason = MailService.unavailableReason(mail) { return .discard(reason: reason) }
        guard let mail else { return .discard(reason: "email is not configured") }
        let logger = context.logger
        let (suppressed, template): (String?, WorkspaceTemplate?) = try await client.withConnection { connection in
            let reason = try await EmailStore.suppressions(of: [args.to.address], workspaceID: args.workspaceID, on: connection,
                                                           logger: logger).values.first
            guard reason == nil else { return (reason, nil) }
            return (nil, try await WorkspaceTemplate.resolve(args.template, workspaceID: args.workspaceID, templates: mail.templates,
                                                             on: connection, logger: logger))
        }
        if let suppressed { return .discard(reason: "\(args.to.address) is not mailed: \(suppressed)") }

        var variables = args.variables
        if let sealed = args.sealedVariables {
            guard let sealer = mail.sealer else { return .discard(reason: "SECRETS_KEY is not set in this worker: sealed variables cannot be opened") }
            do {
                variables.merge(try sealer.open(sealed)) { _, secret in secret }
            } catch {
                return .discard(reason: "sealed variables do not open with this SECRETS_KEY")
            }
        }
        let rendered: RenderedEmail
        do {
            guard let template else { return .discard(reason: "template \(args.template) was not resolved") }
            rendered = try template.render(variables)
        } catch {
            return .discard(reason: "\(error)")
        }
        let message = EmailMessage(id: mail.configuration.messageID("job-\(context.jobID)"), from: mail.configuration.from,
                                   to: args.to, subject: rendered.subject, text: rendered.text, html: rendered.html)
        let provider: String
        do {
            provider = try await mail.mailer.send(message)
        } catch {
            guard case .rejected(let provider, let address, let reason) = error else { throw error }
            try await client.withConnection { connection in
                try await EmailStore.suppress(address, reason: reason, provider: provider, on: connection, logger: logger)
            }
            return .discard(reason: error.description)
        }
        return try .success(Result(provider: provider, messageID: message.id))
    }
}
