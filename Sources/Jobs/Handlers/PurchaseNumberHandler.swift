import Foundation
import Logging
import Platform
import PostgresNIO
import Providers
import QueueEngine

/// Runs `PurchaseNumberJob` (its arguments and defaults are defined in Platform, for producers).
public struct PurchaseNumberHandler: JobHandler {
    public typealias Definition = PurchaseNumberJob
    public typealias Args = PurchaseNumberJob.Args

    struct Result: Codable {
        let status: String
        let sid: String?
    }

    let client: PostgresClient
    let twilio: TwilioClient?

    public init(client: PostgresClient, twilio: TwilioClient?) {
        self.client = client
        self.twilio = twilio
    }

    public func run(_ args: Args, context: JobContext) async throws -> JobOutcome {
        let logger = context.logger
        guard let number = try await client.withConnection({
            try await PhoneNumberStore.phoneNumber(id: args.numberID, on: $0, logger: logger)
        }) else {
            return .discard(reason: "number \(args.numberID) no longer exists")
        }
        guard number.providerStatus == .purchasing else { return .success }
        guard let twilio else {
            try await refund(number, reason: "no Twilio account is configured", logger: logger)
            return .discard(reason: "no Twilio account is configured")
        }
        do {
            // A purchase that went through before a crash is found, not bought twice.
            if try await twilio.incomingNumber(number.number) == nil {
                let (voice, status) = NumberProvisioning.targets(twilio, bound: number.assistantID != nil)
                _ = try await twilio.buyNumber(number.number, voiceURL: voice, statusCallback: status)
            }
        } catch {
            guard !error.isRetryable else { throw error }
            try await refund(number, reason: error.description, logger: logger)
            return .discard(reason: error.description)
        }
        let status = try await NumberProvisioning.configure(number, twilio: twilio, client: client, logger: logger)
        return try .success(Result(status: status.rawValue, sid: nil))
    }

    /// The provider refused: the number is marked failed and its price given back, once.
    func refund(_ number: PhoneNumberRecord, reason: String, logger: Logger) async throws {
        try await client.transaction(logger: logger) { connection in
            try await PhoneNumberStore.setProviderState(id: number.id, status: .purchaseFailed, sid: nil, error: reason, on: connection,
                                                        logger: logger)
            let charged = try await CreditStore.entry(workspaceID: number.workspaceID, reference: "number:\(number.id.uuidString.lowercased())",
                                                      on: connection, logger: logger)
            if let charged, charged.amount < 0 {
                _ = try await CreditStore.grant(workspaceID: number.workspaceID, amount: -charged.amount,
                                                reference: "number-refund:\(number.id.uuidString.lowercased())",
                                                description: "refund: the purchase of \(number.number) failed", actorUserID: nil,
                                                on: connection, logger: logger)
            }
        }
    }
}
