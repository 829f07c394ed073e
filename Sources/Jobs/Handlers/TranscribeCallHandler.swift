import Foundation
import Logging
import Platform
import PostgresNIO
import Providers
import QueueEngine

/// Runs `TranscribeCallJob` (its arguments and defaults are defined in Platform, for producers).
public struct TranscribeCallHandler: JobHandler {
    public typealias Definition = TranscribeCallJob
    public typealias Args = TranscribeCallJob.Args

    struct Result: Codable {
        let characters: Int
        let language: String?
        let seconds: Double?
    }

    let client: PostgresClient
    let twilio: TwilioClient?
    let transcription: TranscriptionClient
    let settings: CallSettings

    public init(client: PostgresClient, twilio: TwilioClient?, transcription: TranscriptionClient, settings: CallSettings) {
        self.client = client
        self.twilio = twilio
        self.transcription = transcription
        self.settings = settings
    }

    public func run(_ args: Args, context: JobContext) async throws -> JobOutcome {
        let logger = context.logger
        guard let call = try await client.withConnection({ try await CallStore.call(id: args.callID, on: $0, logger: logger) }) else {
            return .discard(reason: "call \(args.callID) no longer exists")
        }
        if call.transcriptText != nil { return .success }
        guard let recordingURL = call.recordingURL else { return .discard(reason: "the call has no recording") }
        guard let twilio else { return .discard(reason: "no Twilio account is configured to fetch the recording") }

        let audio: Data
        do {
            audio = try await twilio.recording(at: recordingURL, maxBytes: transcription.configuration.maxBytes)
        } catch {
            switch error {
            case .rejected, .tooLarge: return .discard(reason: "the recording cannot be used: \(error)")
            default: throw error
            }
        }
        let language = call.assistantID == nil ? nil : try await assistantLanguage(call, logger: logger)
        let transcript: Transcript
        do {
            transcript = try await transcription.transcribe(audio, filename: "call-\(call.id.uuidString.lowercased()).mp3",
                                                            contentType: "audio/mpeg", language: language)
        } catch {
            if case .rejected = error { return .discard(reason: error.description) }
            throw error
        }
        let settings = self.settings
        try await client.transaction(logger: logger) { connection in
            try await CallStore.saveTranscript(id: call.id, transcript, on: connection, logger: logger)
            try await WebhookEvents.transcriptionReady(callID: call.id, workspaceID: call.workspaceID, transcript, on: connection, logger: logger)
            let cost = settings.transcriptionCost(seconds: transcript.duration ?? 0)
            if cost > 0 {
                _ = try await CreditStore.debit(
                    workspaceID: call.workspaceID, amount: cost, reference: "transcript:\(call.id.uuidString.lowercased())",
                    description: "transcription of a call, \(Int((transcript.duration ?? 0).rounded())) s", allowOverdraft: true,
                    on: connection, logger: logger)
            }
        }
        return try .success(Result(characters: transcript.text.count, language: transcript.language, seconds: transcript.duration))
    }

    /// The ISO-639-1 part of the assistant's language (`en-GB` → `en`), which the endpoint expects.
    func assistantLanguage(_ call: CallRecord, logger: Logger) async throws -> String? {
        guard let assistantID = call.assistantID else { return nil }
        let assistant = try await client.withConnection { connection in
            try await AssistantStore.assistant(workspaceID: call.workspaceID, id: assistantID, on: connection, logger: logger)
        }
        return assistant.map { LanguageTag.primary($0.settings.language) }
    }
}
