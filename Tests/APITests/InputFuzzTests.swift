@testable import API
import Foundation
import HTTPTypes
import Jobs
import Platform
import QueueEngine
import ServerSupport
import Testing

/// Random requests of every input class the API takes from callers (numbers, dates, cursors,
/// schemas, JSON shapes), from a seed printed with any failure: every answer is a 2xx or a 4xx, the
/// process stays up, and `/health/live` keeps answering meanwhile.
@Suite(.timeLimit(.minutes(5))) struct InputFuzzTests {
    static let numbers = ["-9223372036854775809", "-9223372036854775808", "-1", "0", "1", "2147483648", "9223372036854775807",
                          "18446744073709551616", "1e19", "-1e308", "1e309", "1.5", "-0", "NaN", "0x10", "", "%00", "1%20"]
    static let dates = ["0000-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "1700-01-01T00:00:00Z", "1969-12-31T23:59:59Z",
                        "2026-02-30T00:00:00Z", "9999-12-31T23:59:59Z", "10000-01-01T00:00:00Z", "300000-01-01T00:00:00Z",
                        "2026-12-03T10:00:00.123456789Z", "2026-12-03", "now", "-2026-01-01T00:00:00Z"]
    static let jsonNumbers: [JSONValue] = [.number(-9.3e18), .number(9.3e18), .number(1e19), .number(-1e308), .number(1.5), .number(-1),
                                           .number(0), .number(4_294_967_296), .string("12"), .null, .array([]), .object([:]), .bool(true)]

    @Test func randomInputsGetA2xxOr4xxAndTheServerKeepsAnswering() async throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        try await APIHarness.with(["OUTBOUND_ALLOWED_HOSTS": "127.0.0.2", "RATE_LIMIT_READ": "off", "RATE_LIMIT_WRITE": "off"]) { api in
            var random = SplitMix(seed: seed)
            let owner = try await api.register("fuzz")
            let workspace = try await api.createWorkspace(owner)
            let header = APIHarness.workspaceHeader(workspace)
            let tool = try await ToolTests.create(api, owner, header, [
                "name": "fuzzed", "method": "POST", "url": "https://127.0.0.2/hook",
                "parameters": JSONValue(text: #"{"type": "object", "properties": {"n": {"type": "integer", "minimum": 0, "maximum": 10}, "#
                                              + #""s": {"type": "string", "maxLength": 5}}}"#),
            ])
            // The health check is probed all along; its slowest answer is compared to the run.
            let prober = Task {
                var slowest: Duration = .zero
                while !Task.isCancelled {
                    let started = ContinuousClock.now
                    // A call cut short by the end of the run (cancellation) is not an answer.
                    guard let status = try? await api.call(.get, "/health/live").status else { break }
                    #expect(status == .ok)
                    slowest = max(slowest, .now - started)
                    try? await Task.sleep(for: .milliseconds(50))
                }
                return slowest
            }
            let lists = ["/api/assistants", "/api/tools", "/api/files", "/api/email/campaigns", "/api/calls/history", "/api/jobs",
                         "/api/credits/ledger", "/api/webhooks", "/api/workspaces/\(workspace.lowercased)/audit"]
            var failures: [String] = []
            func check(_ reply: APIHarness.Reply, _ what: String) {
                if reply.status.code >= 500 { failures.append("\(what) → \(reply.status.code) \(reply.body.text.prefix(160))") }
            }
            for _ in 0..<1_000 {
                let number = Self.numbers.randomElement(using: &random)!
                let date = Self.dates.randomElement(using: &random)!
                let jsonNumber = Self.jsonNumbers.randomElement(using: &random)!
                switch Int.random(in: 0..<8, using: &random) {
                case 0:
                    let route = lists.randomElement(using: &random)!
                    let query = ["limit=\(number)", "cursor=\(number)_\(UUID().lowercased)", "cursor=\(number)", "since=\(date)",
                                 "until=\(date)", "from=\(date)&to=\(date)"].randomElement(using: &random)!
                    check(try await api.call(.get, "\(route)?\(query)", as: owner.bearer, headers: header), "GET \(route)?\(query)")
                case 1:
                    let field = ["run_at", "delay_seconds", "max_attempts", "priority", "args"].randomElement(using: &random)!
                    let value: JSONValue = field == "run_at" ? .string(date) : jsonNumber
                    check(try await api.call(.post, "/api/jobs", json: .object(["kind": "platform.canary", field: value]),
                                             as: owner.bearer, headers: header), "POST /api/jobs \(field)=\(value.text)")
                case 2:
                    let field = ["temperature", "max_tokens", "interruption_sensitivity", "silence_timeout_ms",
                                 "response_delay_ms"].randomElement(using: &random)!
                    check(try await api.call(.post, "/api/assistants", json: .object(["name": "Fuzz", field: jsonNumber]),
                                             as: owner.bearer, headers: header), "POST /api/assistants \(field)=\(jsonNumber.text)")
                case 3:
                    let keyword = ["minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties", "minimum",
                                   "multipleOf", "exclusiveMaximum"].randomElement(using: &random)!
                    let schema = JSONValue.object(["type": "object", "properties": .object(["v": .object([keyword: jsonNumber])]),
                                                   keyword: jsonNumber])
                    check(try await api.call(.post, "/api/tools", json: .object([
                        "name": .string("t\(UInt32.random(in: 0...UInt32.max, using: &random))"), "method": "POST",
                        "url": "https://127.0.0.2/hook", "parameters": schema, "timeout_ms": jsonNumber,
                    ]), as: owner.bearer, headers: header), "POST /api/tools \(keyword)=\(jsonNumber.text)")
                case 4:
                    let arguments = JSONValue.object(["n": jsonNumber,
                                                      "s": Bool.random(using: &random) ? jsonNumber : .string(String(repeating: "x", count: 6))])
                    check(try await api.call(.post, "/api/tools/\(tool)/invoke", json: .object(["arguments": arguments]),
                                             as: owner.bearer, headers: header), "POST invoke \(arguments.text)")
                case 5:
                    // JSON shapes: deep nesting, wrong top-level types, huge strings, NUL, broken text.
                    let depth = Int.random(in: 1...3_000, using: &random)
                    let body = ["\(String(repeating: "[", count: depth))\(String(repeating: "]", count: depth))", "[]", "\"x\"", "12", "null",
                                #"{"name": "\u0000"}"#, #"{"name": "\#(String(repeating: "é", count: 30_000))"}"#, "{\"name\":", "\u{FEFF}{}",
                                #"{"name": 1e999}"#].randomElement(using: &random)!
                    let route = ["/api/assistants", "/api/jobs", "/api/tools", "/api/webhooks", "/auth/login",
                                 "/api/email/campaigns"].randomElement(using: &random)!
                    check(try await api.call(.post, route, raw: body, as: owner.bearer, headers: header), "POST \(route) raw \(body.prefix(40))")
                case 6:
                    let route = "/api/analytics/billing?period=\(number)&from=\(date)&to=\(date)"
                    check(try await api.call(.get, route, as: owner.bearer, headers: header), "GET \(route)")
                default:
                    let route = ["/api/jobs/\(number)", "/api/jobs/\(number)/cancel", "/api/tools/\(tool)/usage?from=\(date)&to=\(date)",
                                 "/api/calls/\(number)/status", "/api/analytics/summary?from=\(date)&to=\(date)"].randomElement(using: &random)!
                    check(try await api.call(route.hasSuffix("cancel") ? .post : .get, route, as: owner.bearer, headers: header), route)
                }
            }
            prober.cancel()
            let slowest = await prober.value
            #expect(failures.isEmpty, "seed \(seed): \(failures.prefix(10).joined(separator: "\n"))")
            #expect(slowest < .seconds(5), "seed \(seed): /health/live took up to \(slowest) during the run")
            #expect(try await api.call(.get, "/health/live").status == .ok)
        }
    }
}

/// SplitMix64: a failing run repeats from its printed seed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
