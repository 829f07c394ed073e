import Foundation
import QueueEngine

/// Points a number's calls at this deployment at the provider (its voice URL and status callback
/// when an assistant is bound, nothing when none is), after checking the account holds it.
/// Enqueued whenever a number is added or its assistant changes; one runs at a time per number and
/// each reads the binding as it is then, so they converge on the last change.
public enum ConfigureNumberJob: JobDefinition {
    public struct Args: Codable, Sendable {
        public var numberID: UUID

        public init(numberID: UUID) {
            self.numberID = numberID
        }
    }

    public static let name = "numbers.configure"
    public static var defaults: JobDefaults {
        JobDefaults(queue: "calls", maxAttempts: 8, timeout: .seconds(60), retryPolicy: RetryPolicy(base: .seconds(5), cap: .seconds(600)))
    }
}
