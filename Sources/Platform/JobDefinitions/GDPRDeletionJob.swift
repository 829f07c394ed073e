import Foundation
import QueueEngine

/// Deletes a user's personal data (`PersonalDataDeletion`): first the workspaces they are the only
/// Owner of (handed to the next Admin or member with `transfer`, deleted with `delete`, or deleted
/// when nobody is left), then their stored exports, then every table step in batches, each batch
/// committed with its count in the request's receipt. Stopped anywhere, a re-run finishes the
/// job; a finished one changes nothing. The receipt is emailed to the address the user had.
public enum GDPRDeletionJob: JobDefinition {
    public struct Args: Codable, Sendable {
        public var requestID: UUID
        public var batchSize: Int?
        /// Batches per run: a large deletion yields its worker slot after this many and continues
        /// in a second (a snooze spends no attempt). Nil: all in one run.
        public var maxBatches: Int?

        public init(requestID: UUID, batchSize: Int? = nil, maxBatches: Int? = nil) {
            self.requestID = requestID
            self.batchSize = batchSize
            self.maxBatches = maxBatches
        }
    }

    public static let name = "gdpr.delete"
    public static var defaults: JobDefaults {
        JobDefaults(queue: "gdpr", maxAttempts: 10, timeout: .seconds(3_600), retryPolicy: RetryPolicy(base: .seconds(30), cap: .seconds(1_800)))
    }
}
