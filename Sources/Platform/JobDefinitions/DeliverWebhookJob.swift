import Foundation
import QueueEngine

/// Sends one webhook delivery: the event's JSON, signed with the endpoint's secret and a timestamp
/// (`WebhookSignature`), POSTed under the outbound policy. Every attempt is logged; a failure waits
/// for the next delay of `WebhookSettings.retrySchedule` (a snooze, so the engine's attempts stay
/// for crashes), and after the schedule the delivery fails. Failed attempts in a row disable the
/// endpoint and mail the workspace's Owners and Admins.
public enum DeliverWebhookJob: JobDefinition {
    public struct Args: Codable, Sendable {
        public var deliveryID: Int64

        public init(deliveryID: Int64) {
            self.deliveryID = deliveryID
        }

        enum CodingKeys: String, CodingKey { case deliveryID = "delivery_id" }
    }

    public static let name = "webhooks.deliver"
    public static var defaults: JobDefaults { JobDefaults(queue: "webhooks", maxAttempts: 10, timeout: .seconds(120)) }
}
