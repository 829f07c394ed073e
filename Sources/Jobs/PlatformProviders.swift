import QueueEngine

/// The outside services the job kinds call, and the rules they follow, configured once per process.
/// Processes that only validate or enqueue jobs (API, scheduler) may use the defaults: no provider.
public struct PlatformProviders: Sendable {
    public var twilio: TwilioClient?
    public var transcription: TranscriptionClient
    public var calls: CallSettings

    public init(twilio: TwilioClient? = nil,
                transcription: TranscriptionClient = TranscriptionClient(configuration: TranscriptionConfiguration(apiKey: nil)),
                calls: CallSettings = CallSettings()) {
        self.twilio = twilio
        self.transcription = transcription
        self.calls = calls
    }

    public init(environment: Environment) throws {
        self.init(twilio: try TwilioConfiguration.from(environment).map { TwilioClient(configuration: $0) },
                  transcription: TranscriptionClient(configuration: try TranscriptionConfiguration(environment: environment)),
                  calls: try CallSettings(environment: environment))
    }
}
