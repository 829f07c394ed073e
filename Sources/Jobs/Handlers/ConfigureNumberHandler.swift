import Foundation
import Logging
import Platform
import PostgresNIO
import Providers
import QueueEngine

/// Runs `ConfigureNumberJob` (its arguments and defaults are defined in Platform, for producers).
public struct ConfigureNumberHandler: JobHandler {
    public typealias Definition = ConfigureNumberJob
    public typealias Args = ConfigureNumberJob.Args

    struct Result: Codable {
        let status: String
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
        if [.purchasing, .purchaseFailed].contains(number.providerStatus) { return .success }
        let outcome = try await NumberProvisioning.configure(number, twilio: twilio, client: client, logger: logger)
        return try .success(Result(status: outcome.rawValue))
    }
}

/// What both number jobs do at the provider.
enum NumberProvisioning {
    /// Finds the number in the account and points its calls here (bound) or nowhere (unbound); records the result.
    static func configure(_ number: PhoneNumberRecord, twilio: TwilioClient?, client: PostgresClient,
                          logger: Logger) async throws -> PhoneNumberRecord.ProviderStatus {
        func record(_ status: PhoneNumberRecord.ProviderStatus, sid: String? = nil,
                    error: String? = nil) async throws -> PhoneNumberRecord.ProviderStatus {
            try await client.withConnection { connection in
                try await PhoneNumberStore.setProviderState(id: number.id, status: status, sid: sid, error: error, on: connection, logger: logger)
            }
            return status
        }
        guard let twilio else { return try await record(.unconfigured, error: "no Twilio account is configured") }
        /// A refusal is recorded; anything else is worth another attempt.
        func failed(_ error: TwilioError) async throws -> PhoneNumberRecord.ProviderStatus {
            guard error.isRetryable else { return try await record(.unconfigured, error: error.description) }
            throw error
        }
        let held: TwilioIncomingNumber?
        do {
            held = try await twilio.incomingNumber(number.number)
        } catch {
            return try await failed(error)
        }
        guard let held else { return try await record(.notInAccount, error: "the Twilio account does not hold \(number.number)") }
        let (voice, status) = targets(twilio, bound: number.assistantID != nil)
        do {
            _ = try await twilio.configureNumber(sid: held.sid, voiceURL: voice, statusCallback: status)
        } catch {
            return try await failed(error)
        }
        return try await record(number.assistantID != nil ? .configured : .unconfigured, sid: held.sid)
    }

    /// Where the number's calls ask what to do and report their status: this deployment when bound, nowhere otherwise.
    static func targets(_ twilio: TwilioClient, bound: Bool) -> (voice: String, status: String) {
        let base = twilio.configuration.publicBaseURL
        return bound ? (base + "/webhooks/twilio/voice", base + "/webhooks/twilio/status") : ("", "")
    }
}
