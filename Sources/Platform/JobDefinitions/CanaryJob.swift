import Foundation
import QueueEngine

/// A job that only proves the pipeline works: it waits `sleepMS`, optionally fails its first
/// `failAttempts` attempts, and succeeds with the attempt number. Operators enqueue it to check a
/// deployment end to end (enqueue → wake-up → claim → run → ack); the crash tests run it in real
/// worker processes.
public enum CanaryJob: JobDefinition {
    public struct Args: Codable, Sendable {
        public var sleepMS: Int?
        public var failAttempts: Int?

        public init(sleepMS: Int? = nil, failAttempts: Int? = nil) {
            self.sleepMS = sleepMS
            self.failAttempts = failAttempts
        }
    }

    public static let name = "platform.canary"
    public static var defaults: JobDefaults { JobDefaults(queue: "default", maxAttempts: 5, timeout: .seconds(60)) }
}
