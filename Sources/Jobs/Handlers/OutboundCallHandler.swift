import Foundation
import Logging
import Platform
import PostgresNIO
import Providers
import QueueEngine

/// Runs `OutboundCallJob` (its arguments and defaults are defined in Platform, for producers).
public struct OutboundCallHandler: JobHandler {
    public typealias Definition = OutboundCallJob
    public typealias Args = OutboundCallJob.Args

    struct Result: Codable {
        let callSid: String
        let status: String
        /// True when a retry found the call an earlier attempt had created.
        let adopted: Bool
    }
    /// A dial slot further away than this is not waited for; the job snoozes and asks again.
    static let slotHorizon: Duration = .seconds(10)
    /// How long a workspace at its concurrency limit waits before asking again.
    public static let busyRetry: Duration = .seconds(5)

    let client: PostgresClient
    let twilio: TwilioClient?
    let settings: CallSettings

    public init(client: PostgresClient, twilio: TwilioClient?, settings: CallSettings) {
        self.client = client
        self.twilio = twilio
        self.settings = settings
    }

    public func run(_ args: Args, context: JobContext) async throws -> JobOutcome {
        let logger = context.logger
        guard let call = try await client.withConnection({ try await CallStore.call(id: args.callID, on: $0, logger: logger) }) else {
            return .discard(reason: "call \(args.callID) no longer exists")
        }
        if let sid = call.providerCallSID {
            return try .success(Result(callSid: sid, status: call.status.rawValue, adopted: false))
        }
        if call.status.isFinal { return .discard(reason: call.statusReason ?? "the call already ended as \(call.status.rawValue)") }
        guard let twilio else {
            return try await reject(call, reason: "no Twilio account is configured (TWILIO_ACCOUNT_SID)", code: nil, logger: logger)
        }
        let configuration = twilio.configuration
        if call.status == .dialing, let started = call.dialStartedAt,
           let found = try await findEarlierDial(of: call, since: started, twilio: twilio, logger: logger) {
            return try await record(found, for: call, adopted: true, twilio: twilio, logger: logger)
        }

        guard let wait = try await client.withConnection({ connection in
            try await CallStore.reserveDialSlot(account: configuration.accountSID, spacing: settings.dialSpacing,
                                                horizon: Self.slotHorizon, on: connection, logger: logger)
        }) else {
            return .snooze(.seconds(1))
        }
        if wait > .zero { try await Task.sleep(for: wait) }

        switch try await admit(call, logger: logger) {
        case nil: break
        case .atConcurrencyLimit?: return .snooze(Self.busyRetry)
        case let refusal?: return try await reject(call, reason: refusal.description, code: nil, logger: logger)
        }

        let request = TwilioClient.CallRequest(
            to: call.toNumber, from: call.fromNumber,
            url: "\(configuration.publicBaseURL)/webhooks/twilio/voice?call=\(call.id.uuidString.lowercased())",
            statusCallback: "\(configuration.publicBaseURL)/webhooks/twilio/status?call=\(call.id.uuidString.lowercased())",
            timeout: settings.ringTimeoutSeconds, record: call.record)
        let created: TwilioCall
        do {
            created = try await twilio.createCall(request)
        } catch {
            switch error {
            case .rejected(_, let code, let message):
                return try await reject(call, reason: "Twilio error \(code.map(String.init) ?? "?"): \(message)", code: code, logger: logger)
            case .throttled:
                // Twilio created nothing: the next attempt dials without looking first.
                try await client.withConnection { try await CallStore.markNotDialed(id: call.id, on: $0, logger: logger) }
            case .unavailable, .transport, .malformedResponse, .tooLarge:
                break
            }
            if context.attempt >= context.maxAttempts {
                return try await reject(call, status: .failed, reason: "gave up after \(context.attempt) attempts: \(error)",
                                        code: nil, logger: logger)
            }
            throw error
        }
        return try await record(created, for: call, adopted: false, twilio: twilio, logger: logger)
    }

    /// Decides under the workspace's call lock, and marks the call as dialling in the same
    /// transaction, so concurrent dial jobs of one workspace cannot pass the limits together.
    /// Returns why the call may not be placed now, or nil when it was marked dialling.
    func admit(_ call: CallRecord, logger: Logger) async throws -> CallRefusal? {
        let settings = self.settings
        return try await client.transaction(logger: logger) { connection in
            try await connection.query(
                "SELECT pg_advisory_xact_lock(hashtext('calls:' || \(call.workspaceID.uuidString)))", logger: logger)
            let live = try await CallStore.liveCount(workspaceID: call.workspaceID, on: connection, logger: logger)
            // A retry of a call already marked dialling counts itself among the live calls.
            let others = call.status == .dialing ? live - 1 : live
            let balance = try await CreditStore.account(workspaceID: call.workspaceID, on: connection, logger: logger).balance
            if let refusal = settings.refusal(liveCalls: others, balance: balance) { return refusal }
            try await CallStore.markDialing(id: call.id, on: connection, logger: logger)
            return nil
        }
    }

    /// A call an earlier attempt created although its answer was lost: same numbers, created after
    /// the dial started (a minute of clock skew allowed), and not bound to another call row.
    func findEarlierDial(of call: CallRecord, since started: Date, twilio: TwilioClient, logger: Logger) async throws -> TwilioCall? {
        let candidates = try await twilio.calls(to: call.toNumber, from: call.fromNumber, since: started.addingTimeInterval(-60))
        for candidate in candidates.sorted(by: { ($0.created ?? .distantPast) < ($1.created ?? .distantPast) }) {
            guard let created = candidate.created, created >= started.addingTimeInterval(-60) else { continue }
            let claimed = try await client.withConnection { try await CallStore.isClaimed(callSID: candidate.sid, on: $0, logger: logger) }
            if !claimed { return candidate }
        }
        return nil
    }

    func record(_ created: TwilioCall, for call: CallRecord, adopted: Bool, twilio: TwilioClient, logger: Logger) async throws -> JobOutcome {
        let status = CallStatus(rawValue: created.status) ?? .queued
        let now = try await client.withConnection { connection in
            try await CallStore.recordDialed(id: call.id, callSID: created.sid, status: status, on: connection, logger: logger)
        }
        if now == .canceled, !(CallStatus(rawValue: created.status)?.isFinal ?? false) {
            // Ended through the API while the dial was out: hang up what the dial created.
            _ = try await twilio.updateCall(sid: created.sid, status: "canceled")
        }
        logger.info("call placed", metadata: ["call.id": "\(call.id)", "call.sid": "\(created.sid)", "adopted": "\(adopted)"])
        return try .success(Result(callSid: created.sid, status: created.status, adopted: adopted))
    }

    func reject(_ call: CallRecord, status: CallStatus = .rejected, reason: String, code: Int?, logger: Logger) async throws -> JobOutcome {
        try await client.transaction(logger: logger) { connection in
            try await CallStore.reject(id: call.id, status: status, reason: reason, providerErrorCode: code, on: connection, logger: logger)
        }
        return .discard(reason: reason)
    }
}
