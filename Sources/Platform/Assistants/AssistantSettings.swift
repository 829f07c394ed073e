import Foundation

/// How an assistant talks: its language model, prompt, voice and turn-taking. Checked here, in one
/// place, so the API refuses what a call could not use and the call handlers can rely on it.
public struct AssistantSettings: Sendable, Codable, Equatable {
    public static let llmProviders = ["openai", "anthropic", "google", "mistral", "azure-openai"]
    public static let voiceProviders = ["elevenlabs", "google", "azure", "openai", "polly"]
    public static let temperatureRange = 0.0...2.0
    public static let maxTokensRange = 1...32_000
    public static let silenceTimeoutRange = 500...60_000
    public static let responseDelayRange = 0...5_000
    public static let maximumPromptLength = 20_000

    public var name: String
    public var description: String
    public var llmProvider: String
    public var llmModel: String
    public var systemPrompt: String
    /// What the assistant says when a call connects.
    public var firstMessage: String
    public var temperature: Double
    public var maxTokens: Int
    /// A BCP 47 tag such as `de-DE` or `en`.
    public var language: String
    public var voiceProvider: String
    public var voiceID: String
    /// 0 (never let the caller interrupt) to 1 (stop at the first sound).
    public var interruptionSensitivity: Double
    /// Silence after which the assistant speaks again or ends the call.
    public var silenceTimeoutMS: Int
    /// Pause before the assistant answers.
    public var responseDelayMS: Int
    public var recordCalls: Bool
    /// Where the built-in `transfer_call` tool sends the caller (E.164); without it the tool is not offered.
    public var transferNumber: String?

    /// A new assistant's settings before the caller's choices are applied.
    public static func defaults(name: String) -> AssistantSettings {
        AssistantSettings(
            name: name, description: "", llmProvider: "openai", llmModel: "gpt-4o-mini", systemPrompt: "", firstMessage: "",
            temperature: 0.7, maxTokens: 1_024, language: "en-US", voiceProvider: "elevenlabs", voiceID: "default",
            interruptionSensitivity: 0.5, silenceTimeoutMS: 5_000, responseDelayMS: 300, recordCalls: false, transferNumber: nil)
    }

    /// The first problem found, as (field, what is wrong); nil when the settings are usable.
    public func problem() -> (field: String, problem: String)? {
        func text(_ value: String, _ field: String, max: Int, empty: Bool = false) -> (String, String)? {
            if !empty, value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return (field, "must not be empty") }
            if value.count > max { return (field, "must be at most \(max) characters") }
            return nil
        }
        if let problem = text(name, "name", max: 120) { return problem }
        if let problem = text(description, "description", max: 2_000, empty: true) { return problem }
        guard Self.llmProviders.contains(llmProvider) else {
            return ("llm_provider", "must be one of \(Self.llmProviders.joined(separator: ", "))")
        }
        if let problem = text(llmModel, "llm_model", max: 100) { return problem }
        if let problem = text(systemPrompt, "system_prompt", max: Self.maximumPromptLength, empty: true) { return problem }
        if let problem = text(firstMessage, "first_message", max: 1_000, empty: true) { return problem }
        guard temperature.isFinite, Self.temperatureRange.contains(temperature) else { return ("temperature", "must be from 0 to 2") }
        guard Self.maxTokensRange.contains(maxTokens) else { return ("max_tokens", "must be from 1 to 32000") }
        guard Self.isLanguageTag(language) else { return ("language", "must be a language tag such as en-US or de-DE") }
        guard Self.voiceProviders.contains(voiceProvider) else {
            return ("voice_provider", "must be one of \(Self.voiceProviders.joined(separator: ", "))")
        }
        if let problem = text(voiceID, "voice_id", max: 200) { return problem }
        guard interruptionSensitivity.isFinite, (0.0...1.0).contains(interruptionSensitivity) else {
            return ("interruption_sensitivity", "must be from 0 to 1")
        }
        guard Self.silenceTimeoutRange.contains(silenceTimeoutMS) else { return ("silence_timeout_ms", "must be from 500 to 60000") }
        guard Self.responseDelayRange.contains(responseDelayMS) else { return ("response_delay_ms", "must be from 0 to 5000") }
        if let transferNumber, !Self.isE164(transferNumber) { return ("transfer_number", "must be an E.164 number such as +4930123456") }
        return nil
    }

    /// `+` and 8 to 15 digits, the first not 0: the form of every phone number the platform stores.
    public static func isE164(_ text: String) -> Bool {
        let digits = text.dropFirst()
        return text.first == "+" && (8...15).contains(digits.count) && digits.allSatisfy { $0.isASCII && $0.isNumber } && digits.first != "0"
    }

    /// `en`, `de-DE`, `zh-Hant-TW`: a 2-3 letter language, then optional script and region subtags.
    static func isLanguageTag(_ tag: String) -> Bool {
        let parts = tag.split(separator: "-", omittingEmptySubsequences: false)
        guard let language = parts.first, (2...3).contains(language.count), language.allSatisfy({ $0.isASCII && $0.isLowercase }) else {
            return false
        }
        return parts.dropFirst().allSatisfy { part in
            (2...8).contains(part.count) && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        }
    }
}
