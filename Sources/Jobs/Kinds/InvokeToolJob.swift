import Foundation
import PostgresNIO
import QueueEngine

/// Calls a workspace's tool with arguments (an assistant's function call) and stores what the
/// assistant gets as the job's result. The tool is looked up in the job's own workspace, so an id
/// of another workspace's tool finds nothing. Every attempt is logged in `tool_calls`; bad
/// arguments, a refused URL or a 4xx end the job at once, timeouts, network errors, 408, 429 and
/// 5xx are retried with backoff.
public struct InvokeToolJob: JobKind {
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

    let client: PostgresClient
    let invoker: ToolInvoker

    public init(client: PostgresClient, invoker: ToolInvoker) {
        self.client = client
        self.invoker = invoker
    }

    public func run(_ args: Args, context: JobContext) async throws -> JobOutcome {
        let logger = context.logger
        guard let workspace = context.workspaceID.flatMap(UUID.init(uuidString:)) else {
            return .discard(reason: "a tool call must belong to a workspace")
        }
        guard let tool = try await client.withConnection({ try await ToolStore.tool(workspaceID: workspace, id: args.toolID, on: $0, logger: logger) }) else {
            return .discard(reason: "tool \(args.toolID) does not exist in this workspace")
        }
        guard tool.enabled else { return .discard(reason: "tool \(tool.name) is disabled") }
        let record = await invoker.invoke(tool, arguments: args.arguments ?? .object([:]), logger: logger)
        try await client.withConnection { try await ToolStore.record(record, tool: tool, jobID: context.jobID, on: $0, logger: logger) }
        switch record.outcome {
        case .ok:
            return .success(resultJSON: record.json.text)
        case _ where record.isTransient:
            throw ToolCallFailed(record: record)
        default:
            let detail = record.violations.isEmpty ? "" : ": " + record.violations.map(\.description).joined(separator: "; ")
            return .discard(reason: "\(record.error ?? record.outcome.rawValue)\(detail)")
        }
    }

    struct ToolCallFailed: Error, CustomStringConvertible {
        let record: ToolCallRecord
        var description: String { "\(record.error ?? record.outcome.rawValue) (will retry)" }
    }
}
