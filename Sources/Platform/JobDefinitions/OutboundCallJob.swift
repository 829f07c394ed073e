import Foundation
import QueueEngine

/// Places one outbound call: checks the workspace's credits and live calls, waits for a dial slot,
/// and asks Twilio to dial. Safe to run again: a call with a provider SID is never dialled twice, and
/// a retry after a lost answer looks the call up at Twilio before dialling again.
public enum OutboundCallJob: JobDefinition {
    public struct Args: Codable, Sendable {
        public var callID: UUID

        public init(callID: UUID) {
            self.callID = callID
        }
    }

    public static let name = "calls.outbound"
    public static var defaults: JobDefaults {
        JobDefaults(queue: "calls", maxAttempts: 8, timeout: .seconds(60), retryPolicy: RetryPolicy(base: .seconds(2), cap: .seconds(120)))
    }
}
