import Foundation
import QueueEngine

/// Buys a number at the provider for a workspace that paid for it, with its calls pointed at this
/// deployment; a number the account already holds (a purchase that went through before a crash) is
/// adopted, and a purchase the provider refuses is refunded.
public enum PurchaseNumberJob: JobDefinition {
    public struct Args: Codable, Sendable {
        public var numberID: UUID

        public init(numberID: UUID) {
            self.numberID = numberID
        }
    }

    public static let name = "numbers.purchase"
    public static var defaults: JobDefaults {
        JobDefaults(queue: "calls", maxAttempts: 8, timeout: .seconds(60), retryPolicy: RetryPolicy(base: .seconds(5), cap: .seconds(600)))
    }
}
