import Foundation
import Logging
import NIOHTTP1
import Platform
import PostgresNIO
import Providers
import QueueEngine
import WebhookSigning

/// Runs `DeliverWebhookJob` (its arguments and defaults are defined in Platform, for producers).
public struct DeliverWebhookHandler: JobHandler {
    public typealias Definition = DeliverWebhookJob
    public typealias Args = DeliverWebhookJob.Args

    struct Result: Codable {
        let status: Int
        let attempt: Int
    }

    let client: PostgresClient
    let http: OutboundHTTP
    let sealer: SecretSealer?
    let settings: WebhookSettings

    public init(client: PostgresClient, http: OutboundHTTP, sealer: SecretSealer?, settings: WebhookSettings) {
        self.client = client
        self.http = http
        self.sealer = sealer
        self.settings = settings
    }

    public func run(_ args: Args, context: JobContext) async throws -> JobOutcome {
        let logger = context.logger
        let loaded = try await client.withConnection { connection -> (WebhookDelivery, WebhookEndpoint?)? in
            guard let delivery = try await WebhookStore.delivery(id: args.deliveryID, on: connection, logger: logger) else { return nil }
            return (delivery, try await WebhookStore.endpoint(id: delivery.endpointID, on: connection, logger: logger))
        }
        guard let (delivery, found) = loaded, context.workspaceID == delivery.workspaceID.uuidString.lowercased() else {
            return .discard(reason: "delivery \(args.deliveryID) does not exist in this workspace")
        }
        guard delivery.state == "pending" else { return .success }
        guard let endpoint = found, endpoint.enabled else {
            let reason = found == nil ? "the endpoint was removed" : "the endpoint is disabled"
            try await client.withConnection { try await WebhookStore.fail(deliveryID: delivery.id, reason: reason, on: $0, logger: logger) }
            return .discard(reason: reason)
        }
        let secret: String
        do {
            secret = try endpoint.secret(sealer: sealer)
        } catch {
            return .discard(reason: "the signing secret cannot be opened: \(error)")
        }

        let body = Data(delivery.payload.utf8)
        let timestamp = Int(Date().timeIntervalSince1970)
        let headers: HTTPHeaders = [
            "Content-Type": "application/json", "X-VPAI-Event": delivery.eventType, "X-VPAI-Event-ID": delivery.eventID.uuidString.lowercased(),
            "X-VPAI-Delivery": String(delivery.id), "X-VPAI-Timestamp": String(timestamp),
            WebhookSignature.header: WebhookSignature.sign(body, secret: secret, timestamp: timestamp),
        ]
        let started = ContinuousClock.now
        var status: Int?
        var problem: String?
        var excerpt: String?
        do {
            let response = try await http.send(OutboundHTTP.Request(method: .POST, url: endpoint.url, headers: headers, body: body,
                                                                    purpose: "webhook"),
                                               timeout: settings.timeout, maxBytes: WebhookSettings.excerptBytes)
            status = response.status
            excerpt = String(decoding: response.body, as: UTF8.self)
            if !(200..<300).contains(response.status) { problem = "the endpoint answered \(response.status)" }
        } catch {
            problem = error.description
        }
        let latency = ToolInvoker.milliseconds(since: started)
        let attempt = delivery.attempts + 1
        let settings = self.settings

        if problem == nil {
            try await client.transaction(logger: logger) { connection in
                try await WebhookStore.recordAttempt(deliveryID: delivery.id, attempt: attempt, status: status, error: nil, latencyMS: latency,
                                                     excerpt: excerpt, state: "delivered", nextAttemptAt: nil, on: connection, logger: logger)
                try await WebhookStore.countSuccess(endpointID: endpoint.id, on: connection, logger: logger)
            }
            return try .success(Result(status: status ?? 0, attempt: attempt))
        }
        let reason = problem ?? "failed"
        return try await client.transaction(logger: logger) { connection -> JobOutcome in
            let disabled = try await WebhookStore.countFailure(endpointID: endpoint.id, disableAfter: settings.disableAfter,
                                                               reason: "\(settings.disableAfter) failed attempts in a row; the last: \(reason)",
                                                               on: connection, logger: logger)
            if disabled {
                let name = try await Self.workspaceName(endpoint.workspaceID, on: connection, logger: logger)
                _ = try await WorkspaceMail.toManagers(WebhookDisabledEmail(workspaceName: name, url: endpoint.url, failures: settings.disableAfter,
                                                                            lastError: reason),
                                                       workspaceID: endpoint.workspaceID, on: connection, logger: logger)
                logger.warning("webhook endpoint disabled", metadata: ["webhook.id": "\(endpoint.id)", "reason": "\(reason)"])
            }
            let delay = disabled ? nil : settings.delay(beforeRetry: attempt)
            try await WebhookStore.recordAttempt(deliveryID: delivery.id, attempt: attempt, status: status, error: reason, latencyMS: latency,
                                                 excerpt: excerpt, state: delay == nil ? "failed" : "pending",
                                                 nextAttemptAt: delay.map { Date().addingTimeInterval($0.seconds) },
                                                 on: connection, logger: logger)
            guard let delay else {
                return .discard(reason: disabled ? "the endpoint was disabled: \(reason)" : "gave up after \(attempt) attempts: \(reason)")
            }
            return .snooze(delay)
        }
    }

    static func workspaceName(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> String {
        let rows = try await connection.query("SELECT name FROM workspaces WHERE id = \(id)", logger: logger)
        for try await name in rows.decode(String.self) { return name }
        return "your workspace"
    }
}
