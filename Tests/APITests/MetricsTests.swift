@testable import API
import Foundation
import HTTPTypes
import Jobs
import NIOCore
import Platform
import QueueEngine
import Testing
import TestSupport
import AsyncHTTPClient

/// `/metrics` is Prometheus text that moves: jobs enqueued and run by a worker in this process,
/// HTTP requests by route template, and the queues' figures from `queue_stats`.
@Suite(.timeLimit(.minutes(2))) struct MetricsTests {
    struct Sample: Hashable {
        let name: String
        let labels: [String: String]
    }

    static func scrape(_ api: APIHarness, token: String? = nil, path: String = "/metrics") async throws -> (HTTPResponse.Status, String) {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await api.http.execute(uri: path, method: .get, headers: headers) { ($0.status, String(buffer: $0.body)) }
    }

    /// Every line is a `# HELP`/`# TYPE` comment or `name{label="value",…} number`; anything else fails.
    static func samples(_ text: String) -> [Sample: Double] {
        var samples: [Sample: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            // Label values may hold spaces (a job kind can), so the value is what follows the last one.
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                Issue.record("not a sample line: \(line)")
                continue
            }
            let series = line[..<space]
            var name = String(series)
            var labels: [String: String] = [:]
            if let open = series.firstIndex(of: "{") {
                guard series.hasSuffix("}") else { Issue.record("unclosed labels: \(line)"); continue }
                name = String(series[..<open])
                for pair in series[series.index(after: open)..<series.index(before: series.endIndex)].split(separator: ",") {
                    let halves = pair.split(separator: "=", maxSplits: 1)
                    guard halves.count == 2, halves[1].hasPrefix("\""), halves[1].hasSuffix("\"") else {
                        Issue.record("bad label: \(line)"); continue
                    }
                    labels[String(halves[0])] = String(halves[1].dropFirst().dropLast())
                }
            }
            #expect(name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" }, "\(name)")
            samples[Sample(name: name, labels: labels)] = value
        }
        return samples
    }

    static func value(_ samples: [Sample: Double], _ name: String, _ labels: [String: String]) -> Double? {
        samples.first { sample, _ in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }?.value
    }

    @Test func countersMoveWhenJobsRunAndQueuesAreReported() async throws {
        try await APIHarness.with(["METRICS_QUEUE_REFRESH_MS": "0"]) { api in
            let queue = "metrics-\(UUID().uuidString.prefix(8).lowercased())"
            let (status, _) = try await Self.scrape(api)
            #expect(status == .ok)
            for _ in 0..<3 {
                _ = try await api.services.database.queue.enqueue(CanaryJob.self, .init(), options: JobOptions(queue: queue))
            }
            _ = try await api.services.database.queue.enqueue(CanaryJob.self, .init(), options: JobOptions(queue: queue, delay: .seconds(3_600)))
            var samples = Self.samples(try await Self.scrape(api).1)
            let labels = ["kind": CanaryJob.name, "queue": queue]
            #expect(Self.value(samples, "jobs_enqueued_total", labels) == 4)
            #expect(Self.value(samples, "queue_jobs", ["queue": queue, "state": "ready"]) == 3)
            #expect(Self.value(samples, "queue_jobs", ["queue": queue, "state": "scheduled"]) == 1)
            #expect((Self.value(samples, "queue_oldest_ready_age_seconds", ["queue": queue]) ?? -1) >= 0)
            #expect((Self.value(samples, "postgres_connections", ["state": "active"]) ?? 0) >= 1, "the scrape's own query is active")

            var configuration = WorkerConfiguration(id: "metrics-worker", queues: [queue: 4])
            configuration.pollInterval = .milliseconds(100)
            let worker = Worker(configuration: configuration, store: api.services.database.queue.store,
                                registry: PlatformJobs.registry(store: api.services.database.queue.store),
                                subscriber: nil, logger: APIHarness.logger)
            let running = Task { try await worker.run() }
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                samples = Self.samples(try await Self.scrape(api).1)
                if Self.value(samples, "jobs_finished_total", labels.merging(["outcome": "completed"]) { $1 }) == 3 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            worker.stop()
            try await running.value
            samples = Self.samples(try await Self.scrape(api).1)
            #expect(Self.value(samples, "jobs_finished_total", labels.merging(["outcome": "completed"]) { $1 }) == 3)
            #expect(Self.value(samples, "job_duration_seconds_count", labels) == 3)
            #expect(Self.value(samples, "job_wait_seconds_count", labels) == 3)
            #expect((Self.value(samples, "claim_batch_size_sum", ["queue": queue]) ?? 0) == 3)
            #expect(Self.value(samples, "worker_slots", ["queue": queue]) == 4)
            #expect(Self.value(samples, "worker_slots_busy", ["queue": queue]) == 0)
            #expect(Self.value(samples, "queue_jobs", ["queue": queue, "state": "ready"]) == 0)

            try await api.services.database.queue.store.pause(queue: queue)
            samples = Self.samples(try await Self.scrape(api).1)
            #expect(Self.value(samples, "queue_paused", ["queue": queue]) == 1)
            try await api.services.database.queue.store.resume(queue: queue)

            // A completion whose row was deleted (acknowledged here by hand, as a worker does for kinds
            // with deleteWhenCompleted) is reported from the database's count.
            let store = api.services.database.queue.store
            _ = try await api.services.database.queue.enqueue(CanaryJob.self, .init(), options: JobOptions(queue: queue))
            let claimed = try #require(try await store.claim(queue: queue, limit: 1, workerID: "metrics", lease: .seconds(60)).first)
            try await store.acknowledge([Completion(jobID: claimed.id, leaseToken: claimed.leaseToken, result: .completed(resultJSON: nil),
                                                    deleteIfCompleted: true)], workerID: "metrics")
            samples = Self.samples(try await Self.scrape(api).1)
            #expect(Self.value(samples, "queue_completed_deleted_jobs", labels) == 1)

            // HTTP requests by route template and status, not by concrete path.
            _ = try await api.call(.get, "/api/jobs/123456789")
            samples = Self.samples(try await Self.scrape(api).1)
            #expect((Self.value(samples, "http_requests_total", ["route": "/metrics", "method": "GET", "status": "200"]) ?? 0) >= 5)
            #expect(samples.keys.contains { $0.name == "http_requests_total" && $0.labels["route"]?.contains("123456789") == true } == false)
        }
    }

    /// The token guards both names of the endpoint, `/metrics` and the seed's `/health/metrics`.
    @Test func aMetricsTokenGuardsTheEndpoint() async throws {
        try await APIHarness.with(["METRICS_TOKEN": "metrics-secret-token"]) { api in
            for path in ["/metrics", "/health/metrics"] {
                #expect(try await Self.scrape(api, path: path).0 == .unauthorized)
                #expect(try await Self.scrape(api, token: "wrong", path: path).0 == .unauthorized)
                let (status, text) = try await Self.scrape(api, token: "metrics-secret-token", path: path)
                #expect(status == .ok, "\(path)")
                #expect(!Self.samples(text).isEmpty)
            }
        }
    }
}

/// With `METRICS_PORT` the metrics leave the public port for a listener of their own, the one
/// Prometheus scrapes (deploy/kubernetes): the API's port answers 404 for them.
@Suite(.timeLimit(.minutes(2))) struct MetricsPortTests {
    @Test func metricsMoveOffThePublicPort() async throws {
        let port = try ChildProcess.freePort()
        try await APIHarness.with(["METRICS_PORT": "\(port)", "METRICS_TOKEN": "scrape-token"]) { api in
            #expect(try await MetricsTests.scrape(api, token: "scrape-token").0 == .notFound)
            #expect(try await MetricsTests.scrape(api, token: "scrape-token", path: "/health/metrics").0 == .notFound)
            let listener = try #require(APIApplication.metricsListener(services: api.services))
            let running = Task { try await listener.run() }
            defer { running.cancel() }
            func get(_ path: String, token: String?) async throws -> (Int, String) {
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
                if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
                return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 4 << 20)))
            }
            var live: (Int, String) = (0, "")
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                if let answer = try? await get("/health/live", token: nil) { live = answer; break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(live.0 == 200)
            let (status, text) = try await get("/metrics", token: "scrape-token")
            #expect(status == 200 && text.contains("# TYPE build_info gauge"))
            #expect(try await get("/health/metrics", token: nil).0 == 401, "the token still guards them")
        }
    }
}
