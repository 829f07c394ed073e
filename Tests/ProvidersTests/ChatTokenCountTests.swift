import Foundation
@testable import Providers
import Testing

/// A provider's token counts are figures from outside: whatever they say, the reply's counts stay
/// within `ChatReply.maximumTokens` and never negative, so the charge arithmetic cannot overflow.
@Suite struct ChatTokenCountTests {
    @Test func wildUsageFiguresAreBounded() throws {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let chunk = try decoder.decode(OpenAIChatClient.Chunk.self, from: Data("""
            {"choices": [], "usage": {"prompt_tokens": 9223372036854775807, "completion_tokens": -5}}
            """.utf8))
        var openAI = OpenAIChatClient.Accumulator()
        _ = openAI.add(chunk, started: .now)
        #expect(openAI.reply.inputTokens == ChatReply.maximumTokens && openAI.reply.outputTokens == 0)

        let start = try decoder.decode(AnthropicMessagesClient.Event.self, from: Data("""
            {"type": "message_start", "message": {"model": "m", "usage": {"input_tokens": 9223372036854775807, "output_tokens": -1}}}
            """.utf8))
        let delta = try decoder.decode(AnthropicMessagesClient.Event.self, from: Data("""
            {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 9223372036854775807}}
            """.utf8))
        var anthropic = AnthropicMessagesClient.Accumulator()
        _ = anthropic.add(start, started: .now)
        #expect(anthropic.reply.inputTokens == ChatReply.maximumTokens && anthropic.reply.outputTokens == 0)
        _ = anthropic.add(delta, started: .now)
        #expect(anthropic.reply.outputTokens == ChatReply.maximumTokens)
    }
}
