import Foundation
@testable import Platform
import Providers
import Testing

/// The conversation core's pure parts: the prompt's size bound, the tool names the model sees, and
/// the price of a turn's tokens.
@Suite struct ConversationEngineTests {
    static func turn(_ sequence: Int, caller: String, assistant: String) -> ConversationTurn {
        ConversationTurn(id: Int64(sequence), conversationID: UUID(), sequence: sequence, requestKey: "k\(sequence)", callerText: caller,
                         callerConfidence: nil, assistantText: assistant, toolCalls: .array([]), action: .continue, transferTo: nil, provider: nil,
                         model: nil, modelRounds: 1, inputTokens: 0, outputTokens: 0, firstTokenMS: nil, latencyMS: nil, outcome: .ok,
                         failureReason: nil, cost: 0, createdAt: Date())
    }

    @Test func theOldestTurnsGoFirstAndTheCallersWordsAlwaysStay() {
        let history = (1...10).map { Self.turn($0, caller: "question \($0) " + String(repeating: "x", count: 90), assistant: "answer \($0)") }
        let all = ConversationEngine.bounded(history: history, greeting: "Hello", callerText: "now", budget: 100_000)
        #expect(all.count == 1 + 20 + 1)
        #expect(all.first == .assistant("Hello") && all.last == .user("now"))
        let bounded = ConversationEngine.bounded(history: history, greeting: "Hello", callerText: "now", budget: 350)
        #expect(bounded.last == .user("now"))
        #expect(!bounded.contains(.assistant("Hello")), "the greeting is the oldest")
        #expect(bounded.contains(.assistant("answer 10")) && !bounded.contains(.assistant("answer 1")))
        let total = bounded.map { message -> Int in
            switch message {
            case .user(let text), .assistant(let text, _): text.count
            case .toolResult(_, _, let content, _): content.count
            }
        }.reduce(0, +)
        #expect(total <= 350)
        let huge = ConversationEngine.bounded(history: [], greeting: "", callerText: String(repeating: "y", count: 10_000), budget: 2_000)
        #expect(huge == [.user(String(repeating: "y", count: 1_000))])
    }

    /// A reply the caller cut into is in the model's history as far as it was heard.
    @Test func anInterruptedReplyIsRememberedAsFarAsItWasHeard() {
        var cut = Self.turn(1, caller: "When do you open?", assistant: "We open at nine. On Sundays at ten.")
        cut.interrupted = true
        cut.heardText = "We open at nine."
        let messages = ConversationEngine.bounded(history: [cut, Self.turn(2, caller: "Thanks", assistant: "You are welcome.")], greeting: "",
                                                  callerText: "Bye", budget: 10_000)
        #expect(messages == [.user("When do you open?"), .assistant("We open at nine."), .user("Thanks"), .assistant("You are welcome."),
                             .user("Bye")])
    }

    @Test func toolNamesAreSafeForEveryProviderAndTheBuiltInsComeFirst() {
        #expect(ToolCatalogue.safeName("Look up order #5") == "Look_up_order__5")
        #expect(ToolCatalogue.safeName(String(repeating: "a", count: 80)).count == 64)
        #expect(ToolCatalogue.safeName("") == "tool")
        let withoutTransfer = ToolCatalogue(tools: [], transferNumber: nil)
        #expect(withoutTransfer.chatTools.map(\.name) == ["end_call"])
        let catalogue = ToolCatalogue(tools: [], transferNumber: "+4930111222")
        #expect(catalogue.chatTools.map(\.name) == ["end_call", "transfer_call"])
        guard case .transferCall(let number)? = catalogue.target(of: "transfer_call") else {
            Issue.record("transfer_call has no target")
            return
        }
        #expect(number == "+4930111222")
    }

    @Test func aTurnsTokensAreChargedPerStartedThousandRoundedUp() {
        var settings = ConversationSettings()
        settings.inputCostPer1kTokens = 1
        settings.outputCostPer1kTokens = 4
        #expect(settings.cost(inputTokens: 0, outputTokens: 0) == 0)
        #expect(settings.cost(inputTokens: 1, outputTokens: 0) == 1)
        #expect(settings.cost(inputTokens: 1_000, outputTokens: 250) == 2)
        #expect(settings.cost(inputTokens: 2_500, outputTokens: 1_000) == 7)
    }
}
