import Foundation
import HTTPTypes
import Testing

/// Provider requests are counted by provider, operation and outcome and timed, and every process
/// reports its build and its own CPU, memory and file descriptors at each scrape.
@Suite(.timeLimit(.minutes(2))) struct ProviderMetricsTests {
    @Test func toolRequestsAreCountedByOutcomeAndTimed() async throws {
        let endpoint = ToolEndpointStandIn()
        try await endpoint.run { base in
            try await APIHarness.with(["OUTBOUND_ALLOWED_HOSTS": "127.0.0.2"]) { api in
                let owner = try await api.register("provider-metrics")
                let workspace = try await api.createWorkspace(owner)
                let header = APIHarness.workspaceHeader(workspace)
                let working = try await ToolTests.create(api, owner, header, ["name": "working", "method": "GET",
                                                                              "url": .string("\(base)/echo/fine")])
                let failing = try await ToolTests.create(api, owner, header, ["name": "failing", "method": "GET",
                                                                              "url": .string("\(base)/status/503")])
                func counted(_ outcome: String) async throws -> Double {
                    let samples = MetricsTests.samples(try await MetricsTests.scrape(api).1)
                    return MetricsTests.value(samples, "provider_requests_total",
                                              ["provider": "outbound", "operation": "tool", "outcome": outcome]) ?? 0
                }
                let (okBefore, failedBefore) = (try await counted("2xx"), try await counted("5xx"))
                for tool in [working, failing] {
                    _ = try await api.call(.post, "/api/tools/\(tool)/test", json: .object(["arguments": .object([:])]),
                                           as: owner.bearer, headers: header)
                }
                // Other tests call tools at the same time: the counts grow by at least this test's calls.
                #expect(try await counted("2xx") >= okBefore + 1)
                #expect(try await counted("5xx") >= failedBefore + 1)

                let (_, text) = try await MetricsTests.scrape(api)
                let samples = MetricsTests.samples(text)
                #expect(text.contains("# TYPE provider_request_duration_seconds histogram"))
                #expect((MetricsTests.value(samples, "provider_request_duration_seconds_count",
                                            ["provider": "outbound", "operation": "tool"]) ?? 0) >= 2)
                #expect(MetricsTests.value(samples, "build_info", ["version": "1.0.0"]) == 1)
                #expect((MetricsTests.value(samples, "process_resident_memory_bytes", [:]) ?? 0) > 1_000_000)
                #expect((MetricsTests.value(samples, "process_open_fds", [:]) ?? 0) >= 3)
                #expect((MetricsTests.value(samples, "process_max_fds", [:]) ?? 0) >= 64)
                #expect((MetricsTests.value(samples, "process_cpu_seconds_total", [:]) ?? 0) > 0)
                let started = MetricsTests.value(samples, "process_start_time_seconds", [:]) ?? 0
                #expect(started > Date().timeIntervalSince1970 - 86_400 && started <= Date().timeIntervalSince1970 + 1)
            }
        }
    }
}
