import Foundation
import ServerSupport

/// The bounds of a conversation's turns and the price of their tokens, per deployment.
public struct ConversationSettings: Sendable, Equatable {
    /// Model calls that may ask for tools in one turn; the round after them must answer in words.
    public var maxToolRounds = 3
    /// The longest a tool call may take inside a turn (a tool's own timeout applies when shorter).
    public var toolTimeout: Duration = .seconds(4)
    /// The prompt's size bound in characters: the oldest turns are left out past it, never the system prompt.
    public var maxPromptCharacters = 24_000
    /// A tool's answer is cut to this many characters before the model reads it.
    public var maxToolResultCharacters = 4_000
    /// Passages of the assistant's documents a turn puts into the prompt, at most, and their size bound.
    public var knowledgePassages = 3
    public var knowledgeCharacters = 3_000
    /// A whole turn, model and tools, must end by then (Twilio waits 15 s for a webhook's answer).
    public var turnDeadline: Duration = .seconds(12)
    /// Millicredits per 1,000 prompt and completion tokens.
    public var inputCostPer1kTokens: Int64 = 1
    public var outputCostPer1kTokens: Int64 = 4
    /// Said when the model fails; the call goes on.
    public var fallbackLine = "I'm sorry, I could not answer that just now. Could you say it again?"
    /// Said after a silence, once; the next silence ends the call with `goodbyeLine`.
    public var repromptLine = "Are you still there?"
    public var goodbyeLine = "Goodbye."

    public init() {}

    /// From `CONVERSATION_MAX_TOOL_ROUNDS`, `CONVERSATION_TOOL_TIMEOUT_MS`, `CONVERSATION_MAX_PROMPT_CHARACTERS`,
    /// `CONVERSATION_KNOWLEDGE_PASSAGES`, `CONVERSATION_KNOWLEDGE_CHARACTERS`,
    /// `CONVERSATION_TURN_DEADLINE_MS`, `LLM_INPUT_COST_PER_1K_TOKENS_MILLICREDITS`,
    /// `LLM_OUTPUT_COST_PER_1K_TOKENS_MILLICREDITS`, `CONVERSATION_FALLBACK_LINE`, `CONVERSATION_REPROMPT_LINE`,
    /// `CONVERSATION_GOODBYE_LINE`.
    public init(environment: Environment) throws {
        let defaults = ConversationSettings()
        maxToolRounds = try environment.int("CONVERSATION_MAX_TOOL_ROUNDS", default: defaults.maxToolRounds, range: 0...10)
        toolTimeout = try environment.milliseconds("CONVERSATION_TOOL_TIMEOUT_MS", default: defaults.toolTimeout)
        maxPromptCharacters = try environment.int("CONVERSATION_MAX_PROMPT_CHARACTERS", default: defaults.maxPromptCharacters,
                                                  range: 2_000...1_000_000)
        knowledgePassages = try environment.int("CONVERSATION_KNOWLEDGE_PASSAGES", default: defaults.knowledgePassages, range: 0...20)
        knowledgeCharacters = try environment.int("CONVERSATION_KNOWLEDGE_CHARACTERS", default: defaults.knowledgeCharacters, range: 0...100_000)
        turnDeadline = try environment.milliseconds("CONVERSATION_TURN_DEADLINE_MS", default: defaults.turnDeadline, minimum: 500)
        inputCostPer1kTokens = Int64(try environment.int("LLM_INPUT_COST_PER_1K_TOKENS_MILLICREDITS", default: Int(defaults.inputCostPer1kTokens),
                                                         range: 0...1_000_000))
        outputCostPer1kTokens = Int64(try environment.int("LLM_OUTPUT_COST_PER_1K_TOKENS_MILLICREDITS", default: Int(defaults.outputCostPer1kTokens),
                                                          range: 0...1_000_000))
        fallbackLine = environment.string("CONVERSATION_FALLBACK_LINE", default: defaults.fallbackLine)
        repromptLine = environment.string("CONVERSATION_REPROMPT_LINE", default: defaults.repromptLine)
        goodbyeLine = environment.string("CONVERSATION_GOODBYE_LINE", default: defaults.goodbyeLine)
    }

    /// The charge of a turn's tokens, every started thousand rounded up together.
    public func cost(inputTokens: Int, outputTokens: Int) -> Int64 {
        let millis = Int64(max(inputTokens, 0)) * inputCostPer1kTokens + Int64(max(outputTokens, 0)) * outputCostPer1kTokens
        return (millis + 999) / 1_000
    }
}
