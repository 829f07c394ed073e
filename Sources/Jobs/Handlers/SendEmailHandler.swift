import Foundation
import Logging
import Platform
import PostgresNIO
import Providers
import QueueEngine

/// Runs `SendEmailJob` (its arguments and defaults are defined in Platform, for producers).
public struct SendEmailHandler: JobHandler {
    public typealias Definition = SendEmailJob
    public typealias Args = SendEmailJob.Args

    struct Result: Codable {
        let provider: String
        let messageID: String
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
            guard let sealer = mail.sealer else {
                return .discard(reason: "SECRETS_KEY is not set in this worker: sealed variables cannot be opened")
            }
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
