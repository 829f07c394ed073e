import Foundation
import Hummingbird
import Logging
import Platform
import Providers
import QueueEngine

/// `/api/calls`: outbound calls (the row and its dial job in one transaction), their status, the
/// call history, and hanging up.
struct CallRoutes {
    let database: APIDatabase
    let accessControl: AccessControl
    let providers: PlatformProviders

    struct OutboundBody: Decodable {
        let assistantID: String
        let to: String
        /// A number of the workspace; by default the first number bound to the assistant.
        let from: String?
        /// By default the assistant's `record_calls`.
        let record: Bool?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case to, from, record
            case assistantID = "assistant_id"
        }
    }

    struct CallView: ResponseEncodable {
        let id: String
        let assistantID: String?
        let direction: String
        let to: String
        let from: String
        let status: String
        let statusReason: String?
        let providerCallSID: String?
        let providerErrorCode: Int?
        let jobID: Int64?
        let record: Bool
        let recordingURL: String?
        let durationSeconds: Int?
        /// Credits charged (millicredits / 1000), once the call is settled.
        let cost: Double?
        let createdAt: Date
        let answeredAt: Date?
        let endedAt: Date?
        let transcript: TranscriptView?

        struct TranscriptView: Encodable {
            let text: String
            let language: String?
            let seconds: Double?
        }

        init(_ call: CallRecord) {
            id = call.id.idString
            assistantID = call.assistantID?.idString
            direction = call.direction
            to = call.toNumber
            from = call.fromNumber
            status = call.status.rawValue
            statusReason = call.statusReason
            providerCallSID = call.providerCallSID
            providerErrorCode = call.providerErrorCode
            jobID = call.jobID
            record = call.record
            recordingURL = call.recordingURL
            durationSeconds = call.durationSeconds
            cost = call.cost.map { Double($0) / 1_000 }
            createdAt = call.createdAt
            answeredAt = call.answeredAt
            endedAt = call.endedAt
            transcript = call.transcriptText.map { TranscriptView(text: $0, language: call.transcriptLanguage, seconds: call.transcriptSeconds) }
        }
    }

    struct OutboundView: ResponseEncodable {
        let call: CallView
        let jobID: Int64
        let duplicate: Bool
    }

    func add(to router: Router<APIRequestContext>) {
        router.post("api/calls/outbound", use: outbound)
        router.get("api/calls/history", use: history)
        router.get("api/calls/:call/status", use: status)
        router.get("api/calls/:call/transcript", use: transcript)
        router.post("api/calls/:call/end", use: end)
    }

    @Sendable func outbound(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<OutboundView> {
        let access = try await accessControl.admit(request, context, requiring: .callsWrite)
        let body = try await RequestBody.decode(OutboundBody.self, from: request, context: context,
                                                allowedKeys: Set(OutboundBody.CodingKeys.allCases.map(\.rawValue)))
        let to = try PhoneNumberRoutes.e164(body.to, field: "to")
        let from = try body.from.map { try PhoneNumberRoutes.e164($0, field: "from") }
        guard let assistantID = UUID(uuidString: body.assistantID) else {
            throw APIError.validation(field: "assistant_id", "names no assistant of this workspace")
        }
        let uniqueKey = try JobRoutes.idempotencyKey(request, access: access, scope: "call")
        let logger = database.logger
        let (call, result) = try await database.write { transaction -> (CallRecord, EnqueueResult) in
            let connection = transaction.connection
            guard let assistant = try await AssistantStore.assistant(workspaceID: access.workspaceID, id: assistantID, on: connection, logger: logger)
            else { throw APIError.validation(field: "assistant_id", "names no assistant of this workspace") }
            guard assistant.status == "deployed" else {
                throw APIError(.conflict, .invalidState, "the assistant is not deployed; deploy it before it places calls")
            }
            let caller: PhoneNumberRecord?
            if let from {
                caller = try await PhoneNumberStore.number(workspaceID: access.workspaceID, number: from, on: connection, logger: logger)
                guard caller != nil else { throw APIError.validation(field: "from", "is not a number of this workspace") }
            } else {
                caller = try await PhoneNumberStore.firstBound(workspaceID: access.workspaceID, assistantID: assistantID, on: connection,
                                                               logger: logger)
                guard caller != nil else { throw APIError.validation(field: "from", "is required: no number is bound to the assistant") }
            }
            let callID = UUID()
            let result = try await transaction.enqueue(OutboundCallJob.self, OutboundCallJob.Args(callID: callID),
                                                       options: JobOptions(uniqueKey: uniqueKey, workspaceID: access.workspaceKey))
            if result.isDuplicate {
                guard let existing = try await CallStore.call(workspaceID: access.workspaceID, jobID: result.id, on: connection, logger: logger)
                else { throw APIError(.conflict, .conflict, "this Idempotency-Key was used for another request") }
                return (existing, result)
            }
            // Unless the request says, the call records as the version it will run does.
            var record = body.record ?? false
            if body.record == nil { record = try await LiveAssistant.current(assistant, on: connection, logger: logger).settings.recordCalls }
            let call = try await CallStore.createOutbound(
                id: callID, workspaceID: access.workspaceID, assistantID: assistantID, to: to, from: caller?.number ?? "",
                record: record, jobID: result.id, createdBy: access.caller.userID,
                on: connection, logger: logger)
            try await AuditLog.record(access.audit("call.create", "call", call.id.idString, details: ["to": to]),
                                      on: connection, logger: logger)
            return (call, result)
        }
        return EditedResponse(status: result.isDuplicate ? .ok : .accepted,
                              response: OutboundView(call: CallView(call), jobID: result.id, duplicate: result.isDuplicate))
    }

    @Sendable func status(_ request: Request, context: APIRequestContext) async throws -> CallView {
        let access = try await accessControl.admit(request, context, requiring: .callsRead)
        return CallView(try await call(PathParameter.uuid(context, "call"), access: access))
    }

    @Sendable func history(_ request: Request, context: APIRequestContext) async throws -> Page<CallView> {
        let access = try await accessControl.admit(request, context, requiring: .callsRead)
        let query = request.uri.queryParameters
        let limit = try Validation.limit(query["limit"].map(String.init))
        let before = try query["cursor"].map { try TimeCursor.parse(String($0)) }
        var filter = CallStore.HistoryFilter()
        if let text = query["status"] {
            guard let status = CallStatus(rawValue: String(text)) else {
                throw APIError.validation(field: "status", "must be one of \(CallStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter.status = status
        }
        if let direction = query["direction"] {
            guard ["inbound", "outbound"].contains(direction) else { throw APIError.validation(field: "direction", "must be inbound or outbound") }
            filter.direction = String(direction)
        }
        if let text = query["assistant_id"] {
            guard let id = UUID(uuidString: String(text)) else { throw APIError.validation(field: "assistant_id", "must be an id") }
            filter.assistantID = id
        }
        if let number = query["number"] { filter.number = try PhoneNumberRoutes.e164(String(number), field: "number") }
        filter.since = try query["since"].map { try Validation.timestamp(String($0), field: "since") }
        filter.until = try query["until"].map { try Validation.timestamp(String($0), field: "until") }
        let logger = database.logger
        let records = try await database.read { [filter] in
            try await CallStore.history(workspaceID: access.workspaceID, filter: filter, before: before, limit: limit, on: $0, logger: logger)
        }
        return Page(records, limit: limit, cursor: { TimeCursor.make($0.createdAt, $0.id) }, item: CallView.init)
    }

    /// Hangs up a live call at the provider (`completed` once answered, `canceled` before), or
    /// cancels one that was not placed yet. The provider's final callback settles the charge.
    @Sendable func end(_ request: Request, context: APIRequestContext) async throws -> CallView {
        let access = try await accessControl.admit(request, context, requiring: .callsWrite)
        let id = try PathParameter.uuid(context, "call")
        let call = try await call(id, access: access)
        let logger = database.logger
        guard !call.status.isFinal else { throw APIError(.conflict, .invalidState, "the call already ended (\(call.status.rawValue))") }
        if let sid = call.providerCallSID {
            guard let twilio = providers.twilio else {
                throw APIError(.serviceUnavailable, .unavailable, "no Twilio account is configured")
            }
            let target = call.status == .inProgress ? "completed" : "canceled"
            let answer: TwilioCall
            do {
                answer = try await twilio.updateCall(sid: sid, status: target)
            } catch {
                throw APIError(.badGateway, .unavailable, "the provider did not end the call: \(error)")
            }
            let update = CallStatus(rawValue: answer.status).map {
                CallStore.StatusUpdate(callSID: sid, status: $0, sequence: nil,
                                       durationSeconds: answer.duration.flatMap { Int32($0) }.map { Int(max(0, $0)) },
                                       recordingURL: nil, recordingSID: nil)
            }
            try await database.write { transaction in
                if let update { _ = try await CallStore.apply(update, callID: nil, on: transaction.connection, logger: logger) }
                try await AuditLog.record(access.audit("call.end", "call", id.idString), on: transaction.connection, logger: logger)
            }
        } else {
            try await database.write { transaction in
                try await CallStore.reject(id: id, status: .canceled, reason: "ended before it was placed", providerErrorCode: nil,
                                           on: transaction.connection, logger: logger)
                try await AuditLog.record(access.audit("call.end", "call", id.idString), on: transaction.connection, logger: logger)
            }
            if let jobID = call.jobID { _ = try? await database.queue.cancel(id: jobID, workspaceID: access.workspaceKey) }
        }
        return CallView(try await self.call(id, access: access))
    }

    private func call(_ id: UUID, access: WorkspaceAccess) async throws -> CallRecord {
        let logger = database.logger
        guard let call = try await database.read({ try await CallStore.call(workspaceID: access.workspaceID, id: id, on: $0, logger: logger) })
        else { throw APIError.notFound("call") }
        return call
    }
}
