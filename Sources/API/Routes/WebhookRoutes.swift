import Foundation
import Hummingbird
import Logging
import Platform
import QueueEngine
import ServerSupport
import WebhookSigning

/// `/api/webhooks`: the workspace's endpoints for events, their signing secrets (shown once), the
/// delivery log with every attempt's answer, manual redelivery and a ping. Owners and Admins
/// manage endpoints; Members read them.
struct WebhookRoutes {
    let database: APIDatabase
    let accessControl: AccessControl
    let providers: PlatformProviders
    let sealer: SecretSealer

    static let maxEndpoints = 50

    struct Body: Decodable {
        let url: String?
        let events: [String]?
        let description: String?
        let enabled: Bool?

        enum CodingKeys: String, CodingKey, CaseIterable { case url, events, description, enabled }
    }

    struct EndpointView: ResponseEncodable {
        let id: String
        let url, description: String
        let events: [String]
        let enabled: Bool
        let consecutiveFailures: Int
        let disabledAt: Date?
        let disabledReason: String?
        let createdAt, updatedAt: Date
        /// Only in the answers that create or rotate it.
        let secret: String?

        init(_ endpoint: WebhookEndpoint, secret: String? = nil) {
            id = endpoint.id.idString
            (url, description, events, enabled) = (endpoint.url, endpoint.description, endpoint.events, endpoint.enabled)
            (consecutiveFailures, disabledAt, disabledReason) = (endpoint.consecutiveFailures, endpoint.disabledAt, endpoint.disabledReason)
            (createdAt, updatedAt) = (endpoint.createdAt, endpoint.updatedAt)
            self.secret = secret
        }
    }

    struct ListView: ResponseEncodable {
        let items: [EndpointView]
    }

    struct EventsView: ResponseEncodable {
        let events: [String]
    }

    struct DeliveryView: Encodable, Sendable {
        struct AttemptView: Encodable, Sendable {
            let attempt: Int
            let statusCode: Int?
            let error: String?
            let latencyMS: Int?
            let responseExcerpt: String?
            let createdAt: Date
        }

        let id: Int64
        let eventID: String
        let eventType, state: String
        let attempts: Int
        let nextAttemptAt: Date?
        let lastStatus: Int?
        let lastError: String?
        let deliveredAt: Date?
        let redeliveryOf: Int64?
        let jobID: Int64?
        let createdAt: Date
        let payload: JSONValue
        let log: [AttemptView]

        init(_ delivery: WebhookDelivery) {
            id = delivery.id
            eventID = delivery.eventID.idString
            (eventType, state, attempts) = (delivery.eventType, delivery.state, delivery.attempts)
            (nextAttemptAt, lastStatus, lastError, deliveredAt) = (delivery.nextAttemptAt, delivery.lastStatus, delivery.lastError,
                                                                   delivery.deliveredAt)
            (redeliveryOf, jobID, createdAt) = (delivery.redeliveryOf, delivery.jobID, delivery.createdAt)
            payload = JSONValue(text: delivery.payload)
            log = delivery.log.map {
                AttemptView(attempt: $0.attempt, statusCode: $0.statusCode, error: $0.error, latencyMS: $0.latencyMS,
                            responseExcerpt: $0.responseExcerpt, createdAt: $0.createdAt)
            }
        }
    }

    struct QueuedView: ResponseEncodable {
        let deliveryID: Int64
        let jobID: Int64
    }

    func add(to router: Router<APIRequestContext>) {
        router.get("api/webhooks", use: list)
        router.post("api/webhooks", use: create)
        router.get("api/webhooks/events", use: events)
        router.get("api/webhooks/:webhook", use: show)
        router.put("api/webhooks/:webhook", use: update)
        router.delete("api/webhooks/:webhook", use: delete)
        router.post("api/webhooks/:webhook/rotate-secret", use: rotate)
        router.post("api/webhooks/:webhook/ping", use: ping)
        router.get("api/webhooks/:webhook/deliveries", use: deliveries)
        router.post("api/webhooks/:webhook/deliveries/:delivery/redeliver", use: redeliver)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> ListView {
        let access = try await accessControl.admit(request, context, requiring: .webhooksRead)
        let logger = database.logger
        return ListView(items: try await database.read { try await WebhookStore.endpoints(workspaceID: access.workspaceID, on: $0, logger: logger) }
            .map { EndpointView($0) })
    }

    @Sendable func events(_ request: Request, context: APIRequestContext) async throws -> EventsView {
        _ = try await accessControl.admit(request, context, requiring: .webhooksRead)
        return EventsView(events: WebhookEventType.subscribable.map(\.rawValue))
    }

    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<EndpointView> {
        let access = try await accessControl.admit(request, context, requiring: .webhooksManage)
        let body = try await RequestBody.decode(Body.self, from: request, context: context,
                                                allowedKeys: Set(Body.CodingKeys.allCases.map(\.rawValue)))
        guard let url = body.url else { throw APIError.validation(field: "url", "is required") }
        guard let events = body.events else { throw APIError.validation(field: "events", "is required: event types, or [\"*\"] for all") }
        let secret = WebhookSignature.newSecret()
        let now = Date()
        let endpoint = WebhookEndpoint(
            id: UUID(), workspaceID: access.workspaceID, url: try checkURL(url), description: try Self.description(body.description ?? ""),
            events: try Self.events(events), secretSealed: try seal(secret), enabled: body.enabled ?? true, consecutiveFailures: 0,
            disabledAt: nil, disabledReason: nil, createdAt: now, updatedAt: now)
        let logger = database.logger
        let created = try await database.write { transaction in
            let existing = try await WebhookStore.endpoints(workspaceID: access.workspaceID, on: transaction.connection, logger: logger)
            guard existing.count < Self.maxEndpoints else {
                throw APIError(.conflict, .conflict, "a workspace may have up to \(Self.maxEndpoints) webhook endpoints")
            }
            let created = try await WebhookStore.create(endpoint, createdBy: access.caller.userID, on: transaction.connection, logger: logger)
            try await AuditLog.record(access.audit("webhook.create", "webhook", created.id.idString, details: ["url": created.url]),
                                      on: transaction.connection, logger: logger)
            return created
        }
        return EditedResponse(status: .created, response: EndpointView(created, secret: secret))
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> EndpointView {
        let access = try await accessControl.admit(request, context, requiring: .webhooksRead)
        return EndpointView(try await endpoint(context, access))
    }

    /// Changes the fields named; `enabled: true` re-enables a disabled endpoint and clears its failures.
    @Sendable func update(_ request: Request, context: APIRequestContext) async throws -> EndpointView {
        let access = try await accessControl.admit(request, context, requiring: .webhooksManage)
        let body = try await RequestBody.decode(Body.self, from: request, context: context,
                                                allowedKeys: Set(Body.CodingKeys.allCases.map(\.rawValue)))
        var endpoint = try await endpoint(context, access)
        if let url = body.url { endpoint.url = try checkURL(url) }
        if let events = body.events { endpoint.events = try Self.events(events) }
        if let description = body.description { endpoint.description = try Self.description(description) }
        if let enabled = body.enabled { endpoint.enabled = enabled }
        let changed = endpoint
        let logger = database.logger
        let updated = try await database.write { transaction in
            guard let updated = try await WebhookStore.update(changed, on: transaction.connection, logger: logger) else {
                throw APIError.notFound("webhook")
            }
            try await AuditLog.record(access.audit("webhook.update", "webhook", updated.id.idString,
                                                   details: ["url": updated.url, "enabled": String(updated.enabled)]),
                                      on: transaction.connection, logger: logger)
            return updated
        }
        return EndpointView(updated)
    }

    @Sendable func delete(_ request: Request, context: APIRequestContext) async throws -> Response {
        let access = try await accessControl.admit(request, context, requiring: .webhooksManage)
        let id = try PathParameter.uuid(context, "webhook")
        let logger = database.logger
        try await database.write { transaction in
            guard try await WebhookStore.delete(workspaceID: access.workspaceID, id: id, on: transaction.connection, logger: logger) else {
                throw APIError.notFound("webhook")
            }
            try await AuditLog.record(access.audit("webhook.delete", "webhook", id.idString), on: transaction.connection, logger: logger)
        }
        return Response(status: .noContent)
    }

    /// A new signing secret, shown once; the old one stops working at once.
    @Sendable func rotate(_ request: Request, context: APIRequestContext) async throws -> EndpointView {
        let access = try await accessControl.admit(request, context, requiring: .webhooksManage)
        var endpoint = try await endpoint(context, access)
        let secret = WebhookSignature.newSecret()
        endpoint.secretSealed = try seal(secret)
        let changed = endpoint
        let logger = database.logger
        let updated = try await database.write { transaction in
            guard let updated = try await WebhookStore.update(changed, on: transaction.connection, logger: logger) else {
                throw APIError.notFound("webhook")
            }
            try await AuditLog.record(access.audit("webhook.rotate_secret", "webhook", updated.id.idString), on: transaction.connection,
                                      logger: logger)
            return updated
        }
        return EndpointView(updated, secret: secret)
    }

    /// Sends a `ping` event to this endpoint only.
    @Sendable func ping(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<QueuedView> {
        let access = try await accessControl.admit(request, context, requiring: .webhooksManage)
        let endpoint = try await endpoint(context, access)
        guard endpoint.enabled else { throw APIError(.conflict, .conflict, "the endpoint is disabled; enable it first") }
        let event = WebhookEvent(type: .ping, workspaceID: access.workspaceID, data: .object(["webhook_id": .string(endpoint.id.idString)]))
        let logger = database.logger
        let queued = try await database.write { transaction in
            try await WebhookStore.enqueue(event, to: [endpoint.id], on: transaction.connection, logger: logger)
        }
        guard let first = queued.first else { throw APIError(.conflict, .conflict, "nothing was queued") }
        return EditedResponse(status: .accepted, response: QueuedView(deliveryID: first.delivery, jobID: first.job))
    }

    @Sendable func deliveries(_ request: Request, context: APIRequestContext) async throws -> Page<DeliveryView> {
        let access = try await accessControl.admit(request, context, requiring: .webhooksRead)
        let endpoint = try await endpoint(context, access)
        let query = request.uri.queryParameters
        let limit = try Validation.limit(query["limit"].map(String.init), default: 20, maximum: 100)
        let before = try IDCursor.parse(query["cursor"])
        let state = try query["state"].map { value -> String in
            guard ["pending", "delivered", "failed"].contains(String(value)) else {
                throw APIError.validation(field: "state", "must be pending, delivered or failed")
            }
            return String(value)
        }
        let logger = database.logger
        let found = try await database.read {
            try await WebhookStore.deliveries(endpointID: endpoint.id, state: state, beforeID: before, limit: limit, on: $0, logger: logger)
        }
        return Page(found, limit: limit, cursor: { String($0.id) }, item: DeliveryView.init)
    }

    /// Sends a delivery's event again as a new delivery (the same event id, so receivers can tell).
    @Sendable func redeliver(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<QueuedView> {
        let access = try await accessControl.admit(request, context, requiring: .webhooksManage)
        let endpoint = try await endpoint(context, access)
        guard endpoint.enabled else { throw APIError(.conflict, .conflict, "the endpoint is disabled; enable it first") }
        let deliveryID = try PathParameter.int64(context, "delivery")
        let logger = database.logger
        let queued = try await database.write { transaction -> (delivery: Int64, job: Int64) in
            guard let original = try await WebhookStore.delivery(endpointID: endpoint.id, id: deliveryID, on: transaction.connection, logger: logger),
                  let type = WebhookEventType(rawValue: original.eventType) else {
                throw APIError.notFound("delivery")
            }
            let payload = JSONValue(text: original.payload)
            let event = WebhookEvent(type: type, workspaceID: access.workspaceID, data: payload["data"] ?? .null, id: original.eventID,
                                     createdAt: payload["created_at"]?.string.flatMap { try? Date($0, strategy: .iso8601) } ?? original.createdAt)
            guard let queued = try await WebhookStore.enqueue(event, to: [endpoint.id], redeliveryOf: original.id, on: transaction.connection,
                                                              logger: logger).first
            else { throw APIError(.conflict, .conflict, "nothing was queued") }
            try await AuditLog.record(access.audit("webhook.redeliver", "webhook", endpoint.id.idString, details: ["delivery": String(deliveryID)]),
                                      on: transaction.connection, logger: logger)
            return queued
        }
        return EditedResponse(status: .accepted, response: QueuedView(deliveryID: queued.delivery, jobID: queued.job))
    }

    private func endpoint(_ context: APIRequestContext, _ access: WorkspaceAccess) async throws -> WebhookEndpoint {
        let id = try PathParameter.uuid(context, "webhook")
        let logger = database.logger
        guard let endpoint = try await database.read({
            try await WebhookStore.endpoint(workspaceID: access.workspaceID, id: id, on: $0, logger: logger)
        }) else {
            throw APIError.notFound("webhook")
        }
        return endpoint
    }

    private func checkURL(_ url: String) throws -> String {
        try ToolRoutes.checkURL(url, field: "url", policy: providers.tools.http.policy, placeholders: false)
    }

    private func seal(_ secret: String) throws -> String {
        do {
            return try WebhookEndpoint.seal(secret, sealer: sealer)
        } catch {
            throw APIError(.serviceUnavailable, .unavailable, "the signing secret cannot be stored: \(error)")
        }
    }

    static func events(_ names: [String]) throws -> [String] {
        let known = Set(WebhookEventType.subscribable.map(\.rawValue))
        guard !names.isEmpty, names.count <= known.count + 1 else {
            throw APIError.validation(field: "events", "must list event types, or [\"*\"] for all")
        }
        for name in names where name != "*" && !known.contains(name) {
            throw APIError.validation(field: "events", "\(name) is not an event; see GET /api/webhooks/events")
        }
        return Array(Set(names)).sorted()
    }

    static func description(_ text: String) throws -> String {
        try Validation.text(text, field: "description", maxLength: 500, allowEmpty: true)
    }
}
