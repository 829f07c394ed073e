import Foundation
import QueueEngine
import ServerSupport

/// Calls a workspace's tool with arguments (an assistant's function call) and stores what the
/// assistant gets as the job's result. The tool is looked up in the job's own workspace, so an id
/// of another workspace's tool finds nothing. Every attempt is logged in `tool_calls`; bad
/// arguments, a refused URL or a 4xx end the job at once, timeouts, network errors, 408, 429 and
/// 5xx are retried with backoff.
public enum InvokeToolJob: JobDefinition {
    public struct Args: Codable, Sendable {
        public var toolID: UUID
        public var arguments: JSONValue?

        public init(toolID: UUID, arguments: JSONValue? = nil) {
            self.toolID = toolID
            self.arguments = arguments
        }

        enum CodingKeys: String, CodingKey {
            case toolID = "tool_id", arguments
        }
    }

    public static let name = "tools.invoke"
    public static var defaults: JobDefaults {
        JobDefaults(queue: "tools", maxAttempts: 4, timeout: .seconds(150), retryPolicy: RetryPolicy(base: .seconds(2), cap: .seconds(120)))
    }
}
