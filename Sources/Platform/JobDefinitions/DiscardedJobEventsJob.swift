import Foundation
import QueueEngine

/// Turns the jobs discarded since the last sweep into `job.discarded` webhook events (scheduled
/// every minute from `cron/`). Reading finished rows keeps the engine's ack path untouched; a
/// watermark, moved in the transaction that emits, makes each discard one event, and jobs are read
/// only once they are `settle` old, so an ack that committed late is not skipped. Deliveries of
/// webhooks are left out: a failing endpoint would otherwise feed itself events.
public enum DiscardedJobEventsJob: JobDefinition {
    public struct Args: Codable, Sendable {
        public var settleSeconds: Int?

        public init(settleSeconds: Int? = nil) {
            self.settleSeconds = settleSeconds
        }
    }

    public static let name = "webhooks.discarded-jobs"
    public static var defaults: JobDefaults { JobDefaults(queue: "maintenance", maxAttempts: 3, timeout: .seconds(120)) }
}
