import Foundation
import Providers
import QueueEngine

/// Sends one templated email to one address: lifecycle mail (welcome, password reset, invites) and
/// the notices of other jobs. Suppressed and unsubscribed addresses are skipped; a permanent
/// rejection suppresses the address and ends the job; provider trouble retries with backoff after
/// the failover list is exhausted. The Message-ID is derived from the job, so a resend after a
/// lost acknowledgement is recognisable downstream.
public enum SendEmailJob: JobDefinition {
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

    public static let name = "email.send"
    public static var defaults: JobDefaults {
        JobDefaults(queue: "email", maxAttempts: 10, timeout: .seconds(120), retryPolicy: RetryPolicy(base: .seconds(15), cap: .seconds(1_800)))
    }
}
