import AsyncHTTPClient
import Foundation
import NIOCore
import Platform
import Providers
import Synchronization
import TestSupport

/// The Gather transport's own cost: a release `API` whose language model is a local stand-in that
/// waits `modelDelay` before it answers, and `conversationCalls` simulated calls taking
/// `conversationTurns` turns each through the signed turn webhook at the same time. A turn's overhead
/// is its webhook's answer time less the model's delay: claiming and storing the turn, history,
/// tools and knowledge, the prompt, charging, and the TwiML.
///
/// The goal rows measure a running API (a first round of calls has opened its connections) with
/// the calls' starts spread over one model delay, as live calls arrive; the burst row sends every
/// call's turn at the same instant, turn after turn, which measures a queue more than a turn.
extension BenchSuite {
    static let conversationCalls = 50
    /// Six turns a call; `BENCH_CONVERSATION_TURNS` runs longer, to profile the API under this load.
    static let conversationTurns = Int(ProcessInfo.processInfo.environment["BENCH_CONVERSATION_TURNS"] ?? "") ?? 6
    static let modelDelay: Duration = .milliseconds(200)
    static let benchAccount = "AC" + String(repeating: "0", count: 32)
    static let benchAuthToken = "bench-twilio-token"
    static let benchPublicBase = "https://bench.example.test"

    func conversationTurns(apiBinary: String) async throws -> [BenchResult] {
        let model = LanguageModelStandIn(fallback: .delayed(Self.modelDelay, then: .init(.text("Certainly, I can help you with that."))))
        let figures = Mutex<[BenchResult]>([])
        try await model.run { modelBase in
            let (api, base) = try await launchAPI(binary: apiBinary, environment: [
                "OPENAI_BASE_URL": modelBase + "/v1", "OPENAI_API_KEY": "sk-bench", "TWILIO_ACCOUNT_SID": Self.benchAccount,
                "TWILIO_AUTH_TOKEN": Self.benchAuthToken, "TWILIO_API_BASE_URL": "http://127.0.0.1:9", "PUBLIC_BASE_URL": Self.benchPublicBase,
                // Every simulated call is live at once.
                "CALL_MAX_CONCURRENT_PER_WORKSPACE": "1000",
            ])
            defer {
                api.terminate()
                api.waitUntilExit()
            }
            // One connection per simulated call: the shared client's 8 per host would queue the turns in the bench.
            var configuration = HTTPClient.Configuration()
            configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: Self.conversationCalls)
            let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            defer { _ = http.shutdown() }
            let calls = try await prepareCalls(base: base, http: http, count: 3 * Self.conversationCalls)
            let rounds = calls.chunked(Self.conversationCalls)
            _ = try await Self.talk(http, base: base, calls: rounds[0], turns: 1, spread: .zero)
            let (spread, spreadElapsed) = try await Self.talk(http, base: base, calls: rounds[1], turns: Self.conversationTurns,
                                                              spread: Self.modelDelay)
            let (burst, _) = try await Self.talk(http, base: base, calls: rounds[2], turns: Self.conversationTurns, spread: .zero)
            func overheads(_ latencies: [Duration]) -> [Int] { latencies.map { ($0 - Self.modelDelay).milliseconds }.sorted() }
            func cut(_ values: [Int], _ share: Double) -> Double { Double(values[min(values.count - 1, Int(Double(values.count) * share))]) }
            let count = Self.conversationCalls
            figures.withLock {
                $0 = [
                    BenchResult(name: "turn overhead p50 (\(count) calls)", value: cut(overheads(spread), 0.5), unit: "ms",
                                target: 15, higherIsBetter: false),
                    BenchResult(name: "turn overhead p99 (\(count) calls)", value: cut(overheads(spread), 0.99), unit: "ms",
                                target: 50, higherIsBetter: false),
                    BenchResult(name: "turns per second (\(count) calls)", value: rate(spread.count, spreadElapsed), unit: "turns/s",
                                target: nil, higherIsBetter: true),
                    BenchResult(name: "turn overhead p50 (\(count) turns at once)", value: cut(overheads(burst), 0.5), unit: "ms",
                                target: nil, higherIsBetter: false),
                ]
            }
        }
        return figures.withLock { $0 }
    }

    /// `turns` turns on each of `calls` at once, the n-th call starting n/count of `spread` late; each
    /// turn's answer time, and the time from the first start to the last answer.
    static func talk(_ http: HTTPClient, base: String, calls: [String], turns: Int,
                     spread: Duration) async throws -> (latencies: [Duration], elapsed: Duration) {
        let started = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for (index, call) in calls.enumerated() {
                group.addTask {
                    try await Task.sleep(until: started + spread * (Double(index) / Double(calls.count)))
                    var times: [Duration] = []
                    for turn in 1...turns {
                        let path = "/webhooks/twilio/turn?call=\(call)&turn=\(turn)"
                        let form = [("CallSid", "CA-bench"), ("SpeechResult", "I would like to know about order \(turn)"), ("Confidence", "0.9")]
                        let clock = ContinuousClock.now
                        let body = try await Self.signedPost(http, base: base, path: path, form: form)
                        times.append(ContinuousClock.now - clock)
                        guard body.contains("Certainly") else { throw BenchError("turn \(turn) answered: \(body)") }
                    }
                    return times
                }
            }
            return try await group.reduce(into: [Duration]()) { $0 += $1 }
        }
        return (latencies, ContinuousClock.now - started)
    }

    /// A workspace with credits, a deployed assistant on a number, and `count` answered calls; their ids.
    func prepareCalls(base: String, http: HTTPClient, count: Int) async throws -> [String] {
        try await answeredCalls(base: base, http: http, count: count).map { call in
            guard let match = call.twiml.firstMatch(of: /turn\?call=([0-9a-f-]{36})&amp;turn=1/) else { throw BenchError("no turn in \(call.twiml)") }
            return String(match.1)
        }
    }

    /// A workspace with credits, an assistant (its settings `assistant` beside the bench's) deployed
    /// on a number, and `count` inbound calls its voice webhook answered: each call's SID and TwiML.
    func answeredCalls(base: String, http: HTTPClient, count: Int,
                       assistant settings: [String: Any] = [:]) async throws -> [(sid: String, twiml: String)] {
        let (token, workspaceText) = try registerWorkspace(base: base)
        guard let workspaceID = UUID(uuidString: workspaceText) else { throw BenchError("workspace id \(workspaceText)") }
        let header = ["X-Workspace-ID": workspaceText]
        let fields: [String: Any] = ["name": "Bench desk", "system_prompt": "You answer questions about orders.", "first_message": "Hello.",
                                     "llm_provider": "openai", "llm_model": "bench-model"]
        let assistant = try Self.postJSON("\(base)/api/assistants", fields.merging(settings) { _, given in given }, token: token, headers: header)
        guard let assistantID = assistant["id"] as? String else { throw BenchError("assistant failed: \(assistant)") }
        _ = try Self.postJSON("\(base)/api/assistants/\(assistantID)/deploy", [:], token: token, headers: header)
        let number = "+1" + String(Int.random(in: 2_000_000_000...9_999_999_999))
        _ = try Self.postJSON("\(base)/api/phone-numbers", ["number": number, "assistant_id": assistantID], token: token, headers: header)
        try await client.withTransaction(logger: logger) { connection in
            _ = try await CreditStore.grant(workspaceID: workspaceID, amount: 1_000_000_000, reference: nil, description: "bench", actorUserID: nil,
                                            on: connection, logger: logger)
        }
        var calls: [(sid: String, twiml: String)] = []
        for index in 0..<count {
            let sid = "CA\(runID)\(index)"
            let answer = try await Self.signedPost(http, base: base, path: "/webhooks/twilio/voice", form: [
                ("CallSid", sid), ("To", number), ("From", "+4930765432"), ("CallStatus", "ringing"), ("Direction", "inbound"),
            ])
            calls.append((sid, answer))
        }
        return calls
    }

    /// A form POST signed as Twilio signs its webhooks; the answer's body.
    static func signedPost(_ http: HTTPClient, base: String, path: String, form: [(String, String)]) async throws -> String {
        var request = HTTPClientRequest(url: base + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "X-Twilio-Signature",
                            value: TwilioSignature.signature(authToken: benchAuthToken, url: benchPublicBase + path, parameters: form))
        request.body = .bytes(ByteBuffer(string: FormURLEncoding.encode(form)))
        let response = try await http.execute(request, timeout: .seconds(30))
        let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
        guard response.status.code == 200 else { throw BenchError("\(path) answered \(response.status.code): \(body)") }
        return body
    }
}

extension Array {
    /// The elements in consecutive slices of `size`.
    func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
