import Foundation
import Hummingbird
import Logging
import Platform
import QueueEngine
import ServerSupport

/// `/api/tools`: a workspace's custom tools (HTTP endpoints its assistants may call), a synchronous
/// test call, calls as `tools.invoke` jobs, and each tool's usage. A tool's URL and its OAuth token
/// URL are checked against the outbound policy when saved and again, resolved, on every call.
struct ToolRoutes {
    let database: APIDatabase
    let accessControl: AccessControl
    let providers: PlatformProviders
    let sealer: SecretSealer

    static let maxNameLength = 64
    static let maxSchemaBytes = 64 * 1024
    static let maxResponseFields = 50

    /// Every field is optional so one body serves create (where `name` and `url` are required) and
    /// a `PUT` that changes only what it names.
    struct Body: Decodable {
        let name: String?
        let description: String?
        let category: String?
        let method: String?
        let url: String?
        let parameters: JSONValue?
        let auth: JSONValue?
        let timeoutMS: Int?
        let response: JSONValue?
        let enabled: Bool?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, description, category, method, url, parameters, auth, response, enabled
            case timeoutMS = "timeout_ms"
        }
    }

    struct ArgumentsBody: Decodable {
        let arguments: JSONValue?
    }

    struct ToolView: ResponseEncodable {
        struct Auth: Encodable, Sendable {
            let type: String
            let settings: [String: String]
            /// A secret is stored (it is never shown).
            let secretSet: Bool
        }

        struct ResponseSettings: Encodable, Sendable {
            let fields: [String]
            let maxBytes: Int
        }

        let id: String
        let name, description, category, method, url: String
        let parameters: JSONValue
        let auth: Auth
        let timeoutMS: Int
        let response: ResponseSettings
        let enabled: Bool
        let createdAt, updatedAt: Date

        init(_ tool: Tool) {
            id = tool.id.idString
            (name, description, category, method, url) = (tool.name, tool.description, tool.category.rawValue, tool.method.rawValue, tool.url)
            parameters = tool.parameters
            auth = Auth(type: tool.authType, settings: tool.authSettings, secretSet: tool.authSecretSealed != nil)
            timeoutMS = tool.timeout.milliseconds
            response = ResponseSettings(fields: tool.responseFields, maxBytes: tool.responseMaxBytes)
            enabled = tool.enabled
            (createdAt, updatedAt) = (tool.createdAt, tool.updatedAt)
        }
    }

    /// A call's record as `ToolCallRecord.json` spells it (the same JSON a job stores as its result).
    struct CallView: ResponseEncodable {
        let value: JSONValue

        func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
    }

    struct UsageView: ResponseEncodable {
        struct Point: Encodable, Sendable {
            let start: Date
            let calls, failures: Int
            let averageLatencyMS: Double?
        }

        let period: AnalyticsRoutes.PeriodView
        let calls: Int
        let byOutcome, bySource: [String: Int]
        let averageLatencyMS, p50LatencyMS, p95LatencyMS, averageBytes: Double?
        let lastCalledAt: Date?
        let series: [Point]

        init(_ usage: ToolUsage) {
            func round(_ value: Double?) -> Double? { value.map { ($0 * 10).rounded() / 10 } }
            period = AnalyticsRoutes.PeriodView(usage.period)
            (calls, byOutcome, bySource) = (usage.calls, usage.byOutcome, usage.bySource)
            (averageLatencyMS, p50LatencyMS, p95LatencyMS) = (round(usage.averageLatencyMS), round(usage.p50LatencyMS), round(usage.p95LatencyMS))
            averageBytes = round(usage.averageBytes)
            lastCalledAt = usage.lastCalledAt
            series = usage.series.map { Point(start: $0.start, calls: $0.calls, failures: $0.failures, averageLatencyMS: round($0.averageLatencyMS)) }
        }
    }

    struct InvokedView: ResponseEncodable {
        let jobID: Int64
        let duplicate: Bool
    }

    func add(to router: Router<APIRequestContext>) {
        router.get("api/tools", use: list)
        router.post("api/tools", use: create)
        router.get("api/tools/:tool", use: show)
        router.put("api/tools/:tool", use: update)
        router.delete("api/tools/:tool", use: delete)
        router.post("api/tools/:tool/test", use: test)
        router.post("api/tools/:tool/invoke", use: invoke)
        router.get("api/tools/:tool/usage", use: usage)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Page<ToolView> {
        let access = try await accessControl.admit(request, context, requiring: .toolsRead)
        let query = request.uri.queryParameters
        let limit = try Validation.limit(query["limit"].map(String.init))
        let before = try query["cursor"].map { try TimeCursor.parse(String($0)) }
        let category = try query["category"].map { name in
            guard let category = Tool.Category(rawValue: String(name)) else {
                throw APIError.validation(field: "category", "must be one of \(Tool.Category.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return category
        }
        let logger = database.logger
        let tools = try await database.read {
            try await ToolStore.list(workspaceID: access.workspaceID, category: category, before: before, limit: limit, on: $0, logger: logger)
        }
        return Page(tools, limit: limit, cursor: { TimeCursor.make($0.createdAt, $0.id) }, item: ToolView.init)
    }

    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<ToolView> {
        let access = try await accessControl.admit(request, context, requiring: .toolsWrite)
        let body = try await RequestBody.decode(Body.self, from: request, context: context,
                                                allowedKeys: Set(Body.CodingKeys.allCases.map(\.rawValue)))
        guard body.name != nil else { throw APIError.validation(field: "name", "is required") }
        guard body.url != nil else { throw APIError.validation(field: "url", "is required") }
        let now = Date()
        let blank = Tool(id: UUID(), workspaceID: access.workspaceID, name: "", description: "", category: .api, method: .POST, url: "",
                         parameters: .object(["type": "object"]), authType: "none", authSettings: [:], authSecretSealed: nil,
                         timeout: .seconds(10), responseFields: [], responseMaxBytes: 16_384, enabled: true, createdAt: now, updatedAt: now)
        let tool = try apply(body, to: blank)
        let logger = database.logger
        let created = try await database.write { transaction in
            let created: Tool
            do {
                created = try await ToolStore.create(tool, createdBy: access.caller.userID, on: transaction.connection, logger: logger)
            } catch is ToolStore.NameTaken {
                throw APIError(.conflict, .conflict, "a tool named \(tool.name) exists in this workspace", details: ["field": "name"])
            }
            try await AuditLog.record(access.audit("tool.create", "tool", created.id.idString, details: ["name": created.name, "url": created.url]),
                                      on: transaction.connection, logger: logger)
            return created
        }
        return EditedResponse(status: .created, response: ToolView(created))
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> ToolView {
        let access = try await accessControl.admit(request, context, requiring: .toolsRead)
        return ToolView(try await tool(context, access))
    }

    @Sendable func update(_ request: Request, context: APIRequestContext) async throws -> ToolView {
        let access = try await accessControl.admit(request, context, requiring: .toolsWrite)
        let id = try PathParameter.uuid(context, "tool")
        let body = try await RequestBody.decode(Body.self, from: request, context: context,
                                                allowedKeys: Set(Body.CodingKeys.allCases.map(\.rawValue)))
        let logger = database.logger
        let updated = try await database.write { transaction in
            guard let current = try await ToolStore.tool(workspaceID: access.workspaceID, id: id, on: transaction.connection, logger: logger) else {
                throw APIError.notFound("tool")
            }
            let changed = try apply(body, to: current)
            guard let updated = try await ToolStore.update(changed, on: transaction.connection, logger: logger) else {
                throw APIError(.conflict, .conflict, "a tool named \(changed.name) exists in this workspace", details: ["field": "name"])
            }
            try await AuditLog.record(access.audit("tool.update", "tool", id.idString,
                                                   details: ["fields": Body.CodingKeys.allCases.filter { body.names($0) }.map(\.rawValue)
                                                       .joined(separator: ",")]),
                                      on: transaction.connection, logger: logger)
            return updated
        }
        return ToolView(updated)
    }

    @Sendable func delete(_ request: Request, context: APIRequestContext) async throws -> Response {
        let access = try await accessControl.admit(request, context, requiring: .toolsWrite)
        let id = try PathParameter.uuid(context, "tool")
        let logger = database.logger
        try await database.write { transaction in
            guard try await ToolStore.delete(workspaceID: access.workspaceID, id: id, on: transaction.connection, logger: logger) else {
                throw APIError.notFound("tool")
            }
            try await AuditLog.record(access.audit("tool.delete", "tool", id.idString), on: transaction.connection, logger: logger)
        }
        return Response(status: .noContent)
    }

    /// Calls the tool now and answers what the assistant would get; argument problems are a 422
    /// naming each path. Logged in the usage like a job's call.
    @Sendable func test(_ request: Request, context: APIRequestContext) async throws -> CallView {
        let access = try await accessControl.admit(request, context, requiring: .toolsInvoke)
        let tool = try await tool(context, access)
        let body = try await RequestBody.decode(ArgumentsBody.self, from: request, context: context, allowedKeys: ["arguments"])
        let arguments = body.arguments ?? .object([:])
        try Self.checkArguments(arguments, for: tool)
        let logger = database.logger
        let record = await providers.tools.invoke(tool, arguments: arguments, logger: logger)
        try await database.read { try await ToolStore.record(record, tool: tool, jobID: nil, on: $0, logger: logger) }
        return CallView(value: record.json)
    }

    /// Enqueues a `tools.invoke` job in the workspace (`Idempotency-Key` makes a repeat return the
    /// same job) after checking the arguments, so a bad call is a 422 now rather than a discarded job.
    @Sendable func invoke(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<InvokedView> {
        let access = try await accessControl.admit(request, context, requiring: .toolsInvoke)
        let tool = try await tool(context, access)
        guard tool.enabled else { throw APIError(.conflict, .conflict, "the tool is disabled") }
        let body = try await RequestBody.decode(ArgumentsBody.self, from: request, context: context, allowedKeys: ["arguments"])
        let arguments = body.arguments ?? .object([:])
        try Self.checkArguments(arguments, for: tool)
        let uniqueKey = try JobRoutes.idempotencyKey(request, access: access, scope: "tool:\(tool.id.idString)")
        let result = try await database.queue.enqueue(InvokeToolJob.self, InvokeToolJob.Args(toolID: tool.id, arguments: arguments),
                                                      options: JobOptions(uniqueKey: uniqueKey, workspaceID: access.workspaceKey))
        return EditedResponse(status: .accepted, response: InvokedView(jobID: result.id, duplicate: result.isDuplicate))
    }

    @Sendable func usage(_ request: Request, context: APIRequestContext) async throws -> UsageView {
        let access = try await accessControl.admit(request, context, requiring: .toolsRead)
        let tool = try await tool(context, access)
        let period = try AnalyticsRoutes.period(AnalyticsRoutes.query(request))
        let logger = database.logger
        return UsageView(try await database.read {
            try await ToolUsage.load(toolID: tool.id, workspaceID: access.workspaceID, period: period, on: $0, logger: logger)
        })
    }

    private func tool(_ context: APIRequestContext, _ access: WorkspaceAccess) async throws -> Tool {
        let id = try PathParameter.uuid(context, "tool")
        let logger = database.logger
        guard let tool = try await database.read({ try await ToolStore.tool(workspaceID: access.workspaceID, id: id, on: $0, logger: logger) }) else {
            throw APIError.notFound("tool")
        }
        return tool
    }

    static func checkArguments(_ arguments: JSONValue, for tool: Tool) throws {
        let schema: JSONSchema
        do {
            schema = try JSONSchema(tool.parameters)
        } catch {
            // Saved before today's schema rules: the tool cannot be called until its schema is fixed.
            throw APIError(.conflict, .conflict,
                           "the tool's parameter schema is no longer accepted (parameters\(error.path): \(error.problem)); update it first",
                           details: ["field": "parameters", "path": error.path.isEmpty ? "/" : error.path, "problem": error.problem])
        }
        let violations = schema.validate(arguments)
        guard let first = violations.first else { return }
        throw APIError(.unprocessableContent, .validationFailed, "arguments\(first.path): \(first.problem)", details: [
            "field": "arguments", "path": first.path.isEmpty ? "/" : first.path, "problem": first.problem,
            "violations": violations.map { "\($0.path.isEmpty ? "/" : $0.path): \($0.problem)" }.joined(separator: "\n"),
        ])
    }
}

extension ToolRoutes.Body {
    /// Whether the body names the field (for the audit of an update).
    func names(_ key: CodingKeys) -> Bool {
        switch key {
        case .name: name != nil
        case .description: description != nil
        case .category: category != nil
        case .method: method != nil
        case .url: url != nil
        case .parameters: parameters != nil
        case .auth: auth != nil
        case .timeoutMS: timeoutMS != nil
        case .response: response != nil
        case .enabled: enabled != nil
        }
    }
}
