import Foundation
import Logging
import PostgresNIO
import Providers
import QueueEngine

/// Email about a workspace to the people who run it (credit warnings, usage reports, a disabled
/// webhook endpoint), enqueued in the caller's transaction.
public enum WorkspaceMail {
    /// Enqueues the email to every Owner and Admin of the workspace; answers how many.
    public static func toManagers<Content: EmailContent>(_ content: Content, workspaceID: UUID, on connection: PostgresConnection,
                                                         logger: Logger) async throws -> Int {
        let managers = try await WorkspaceStore.members(workspaceID: workspaceID, on: connection, logger: logger)
            .filter { $0.role == .owner || $0.role == .admin }
        let jobs = try managers.map { member in
            try NewJob(SendEmailJob.self, SendEmailJob.Args(content, to: EmailAddress(member.email, name: member.fullName), workspaceID: workspaceID),
                       options: JobOptions(workspaceID: workspaceID.uuidString.lowercased()))
        }
        _ = try await JobStore.insertMany(jobs, on: connection, logger: logger)
        return jobs.count
    }
}
