import Foundation
import Platform
import PostgresNIO
import QueueEngine

/// Runs `CleanupExpiredAccessJob` (its arguments and defaults are defined in Platform, for producers).
public struct CleanupExpiredAccessHandler: JobHandler {
    public typealias Definition = CleanupExpiredAccessJob
    public typealias Args = CleanupExpiredAccessJob.Args

    struct Result: Codable {
        let refreshTokens: Int
        let invites: Int
        let passwordResets: Int
    }
    public static let defaultGraceHours = 24
    public static let defaultBatchSize = 5_000

    let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    public func run(_ args: Args, context: JobContext) async throws -> JobOutcome {
        let grace = args.graceHours ?? Self.defaultGraceHours
        let batch = args.batchSize ?? Self.defaultBatchSize
        guard (0...876_000).contains(grace) else { return .discard(reason: "graceHours must be from 0 to 876000 (a hundred years)") }
        guard (1...100_000).contains(batch) else { return .discard(reason: "batchSize must be 1 to 100000") }
        let before = Date().addingTimeInterval(-Double(grace) * 3_600)
        var total = (tokens: 0, invites: 0, resets: 0)
        while true {
            let logger = context.logger
            let deleted = try await client.transaction(logger: logger) { connection in
                let access = try await AccountStore.deleteExpired(before: before, limit: batch, on: connection, logger: logger)
                let resets = try await PasswordResetStore.deleteExpired(before: before, limit: batch, on: connection, logger: logger)
                return (access.tokens, access.invites, resets)
            }
            total.tokens += deleted.0
            total.invites += deleted.1
            total.resets += deleted.2
            if deleted.0 < batch, deleted.1 < batch, deleted.2 < batch { break }
        }
        return try .success(Result(refreshTokens: total.tokens, invites: total.invites, passwordResets: total.resets))
    }
}
