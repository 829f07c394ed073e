import Foundation
import Providers
import QueueEngine
import ServerSupport

/// The outside services the job kinds call, and the rules they follow, configured once per process.
/// Processes that only validate or enqueue jobs (API, scheduler) may use the defaults: no provider.
public struct PlatformProviders: Sendable {
    public var twilio: TwilioClient?
    public var transcription: TranscriptionClient
    public var calls: CallSettings
    /// Where uploaded files are kept (`STORAGE_DIR`).
    public var storage: any FileStorage
    public var extraction: ExtractionLimits
    /// Email: templates, providers and the sealing key; nil where the process sends no mail.
    public var mail: MailService?
    /// Calls workspaces' tools under the outbound URL policy (`OUTBOUND_ALLOWED_HOSTS`) with
    /// credentials opened by `SECRETS_KEY`.
    public var tools: ToolInvoker = ToolInvoker(http: OutboundHTTP(policy: OutboundPolicy()), sealer: nil)
    /// Retries and disabling of outbound webhooks (`WEBHOOK_*`); deliveries go through `tools.http`.
    public var webhooks = WebhookSettings()
    /// How long a personal-data export can be downloaded (`GDPR_EXPORT_TTL_HOURS`, default 168).
    public var gdprExportLifetime: Duration = .seconds(7 * 86_400)
    /// The language models assistants talk with (`OPENAI_*`, `ANTHROPIC_*`, …; see `LanguageModels`).
    public var languageModels = LanguageModels()
    /// The bounds and prices of conversation turns (`CONVERSATION_*`, `LLM_*_COST_*`).
    public var conversations = ConversationSettings()
    /// The text-to-speech voices of streamed calls.
    public var voices = Voices()
    /// Live speech to text for streamed calls (`DEEPGRAM_*`); without it, `transcription` per utterance.
    public var deepgram: DeepgramLiveClient?
    public var transport = ConversationTransport.gather

    /// How streamed calls hear the caller: Deepgram's live stream when configured, else the
    /// transcription endpoint once each utterance has ended.
    public var speechRecognizer: any SpeechRecognizer {
        deepgram.map { LiveRecognizer(client: $0) } ?? UtteranceTranscriber(client: transcription)
    }

    /// The conversation core with this process's models, tool invoker and bounds.
    public var conversationEngine: ConversationEngine {
        ConversationEngine(models: languageModels, invoker: tools, settings: conversations)
    }

    public init(twilio: TwilioClient? = nil,
                transcription: TranscriptionClient = TranscriptionClient(configuration: TranscriptionConfiguration(apiKey: nil)),
                calls: CallSettings = CallSettings(),
                storage: any FileStorage = LocalFileStorage(folder: URL(fileURLWithPath: ".local/files", isDirectory: true)),
                extraction: ExtractionLimits = ExtractionLimits(), mail: MailService? = nil) {
        self.twilio = twilio
        self.transcription = transcription
        self.calls = calls
        self.storage = storage
        self.extraction = extraction
        self.mail = mail
    }

    public init(environment: Environment) throws {
        let defaults = ExtractionLimits()
        self.init(twilio: try TwilioConfiguration.from(environment).map { TwilioClient(configuration: $0) },
                  // The models' client: hundreds of connections a host, not eight, for a hundred live calls.
                  transcription: TranscriptionClient(configuration: try TranscriptionConfiguration(environment: environment),
                                                     http: LanguageModels.http),
                  calls: try CallSettings(environment: environment),
                  storage: try StorageConfiguration.storage(environment),
                  extraction: ExtractionLimits(
                    maxBytes: try environment.int("FILE_MAX_BYTES", default: defaults.maxBytes, range: 1...(1 << 32)),
                    maxPages: try environment.int("EXTRACTION_MAX_PAGES", default: defaults.maxPages, range: 1...100_000),
                    maxCharacters: try environment.int("EXTRACTION_MAX_CHARACTERS", default: defaults.maxCharacters, range: 1...(1 << 30)),
                    maxUncompressedBytes: try environment.int("EXTRACTION_MAX_UNCOMPRESSED_BYTES", default: defaults.maxUncompressedBytes,
                                                              range: 1...(1 << 34)),
                    timeout: try environment.milliseconds("EXTRACTION_TIMEOUT_MS", default: defaults.timeout)),
                  mail: try MailService(environment: environment))
        gdprExportLifetime = .seconds(3_600 * (try environment.int("GDPR_EXPORT_TTL_HOURS", default: 168, range: 1...8_760)))
        tools = ToolInvoker(http: OutboundHTTP(policy: try OutboundPolicy(environment: environment)), sealer: try SecretSealer.from(environment))
        webhooks = try WebhookSettings(environment: environment)
        languageModels = try LanguageModels(environment: environment)
        conversations = try ConversationSettings(environment: environment)
        voices = try Voices(environment: environment)
        deepgram = try DeepgramLiveClient(environment: environment)
        transport = try ConversationTransport.from(environment, voices: voices)
    }
}
