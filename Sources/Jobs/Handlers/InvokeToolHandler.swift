import Foundation
import Platform
import PostgresNIO
import QueueEngine

/// Runs `InvokeToolJob` (its arguments and defaults are defined in Platform, for producers).
public struct InvokeToolHandler: JobHandler {
    public typealias Definition = InvokeToolJob
    public typealias Args = InvokeToolJob.Args

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
        guard let tool = try await client.withConnection({
            try await ToolStore.tool(workspaceID: workspace, id: args.toolID, on: $0, logger: logger)
        }) else {
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
