import Foundation
import Platform
import Providers
import QueueEngine

/// The platform's own emails (welcome, password reset, invitation), enqueued in the transaction of
/// the change that sends them, so they go out only if it commits.
struct EmailOutbox: Sendable {
    let sealer: SecretSealer

    /// `secret` names the variables (snake_case) that are sealed in the job's args.
    func enqueue<Content: EmailContent>(_ content: Content, to address: EmailAddress, workspaceID: UUID? = nil,
                                        secret: Set<String> = [], in transaction: JobTransaction) async throws {
        let args = try SendEmailJob.Args(content, to: address, workspaceID: workspaceID, secret: secret, sealer: sealer)
        _ = try await transaction.enqueue(SendEmailJob.self, args, options: JobOptions(workspaceID: workspaceID?.idString))
    }
}
