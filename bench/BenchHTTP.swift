import Foundation
import Platform
import PostgresNIO
import QueueEngine

/// HTTP enqueue throughput: a release `API` process on a free port, one API key, and `wrk` posting
/// `POST /api/jobs` from many connections. Every 202 must be a committed job: the jobs of the
/// bench's workspace are counted against wrk's accepted responses before they are deleted. The same
/// server's `GET /health/live` (no database, no body) from as many connections right after is the
/// route's ceiling on this machine in this run; the enqueue rate is reported against it, and against
/// the bench's own engine enqueuing as many jobs one by one from as many callers (no HTTP at all).
extension BenchSuite {
    static let httpConnections = 64
    static let httpDuration = 10

    func httpEnqueue(apiBinary: String) async throws -> [BenchResult] {
        let (api, base) = try await launchAPI(binary: apiBinary)
        defer {
            api.terminate()
            api.waitUntilExit()
        }
        let (token, workspaceID) = try registerWorkspace(base: base)
        let created = try Self.postJSON("\(base)/api/workspaces/\(workspaceID)/api-keys", ["name": "bench", "scopes": ["jobs:write"]], token: token)
        guard let key = created["key"] as? String else { throw BenchError("key failed: \(created)") }

        let script = FileManager.default.temporaryDirectory.appendingPathComponent("\(runID)-post.lua")
        try """
            wrk.method = "POST"
            wrk.body = '{"kind":"platform.canary","args":{}}'
            wrk.headers["Content-Type"] = "application/json"
            wrk.headers["X-API-Key"] = "\(key)"
            """.write(to: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: script) }
        let output = try Self.command("/usr/bin/wrk", [
            "-t1", "-c\(Self.httpConnections)", "-d\(Self.httpDuration)s", "--latency", "-s", script.path, "\(base)/api/jobs",
        ])
        let report = try WrkReport(output)

        let rows = try await client.query("SELECT count(*) FROM queue_jobs WHERE workspace_id = \(workspaceID)", logger: logger)
        var committed = 0
        for try await count in rows.decode(Int.self) { committed = count }
        try await client.query("DELETE FROM queue_jobs WHERE workspace_id = \(workspaceID)", logger: logger)
        guard committed >= report.accepted else {
            throw BenchError("wrk saw \(report.accepted) accepted enqueues but only \(committed) jobs are committed")
        }
        let health = try WrkReport(try Self.command("/usr/bin/wrk", [
            "-t1", "-c\(Self.httpConnections)", "-d\(Self.httpDuration)s", "--latency", "\(base)/health/live",
        ]))
        let enqueueRate = Double(report.accepted) / report.seconds
        let healthRate = Double(health.accepted) / health.seconds
        let inProcess = try await inProcessEnqueue()
        return [
            inProcess,
            BenchResult(name: BenchRatios.httpEnqueue, value: enqueueRate,
                        unit: "jobs/s", target: nil, higherIsBetter: true),
            BenchResult(name: BenchRatios.health, value: healthRate,
                        unit: "req/s", target: nil, higherIsBetter: true),
            BenchResult(name: "HTTP enqueue latency p50", value: report.p50, unit: "ms", target: nil, higherIsBetter: false),
            BenchResult(name: "HTTP enqueue latency p99", value: report.p99, unit: "ms", target: nil, higherIsBetter: false),
        ]
    }

    /// The engine's own enqueue of the route's job, one by one from as many callers as wrk has
    /// connections, for as long as wrk runs: what the route would do if HTTP cost nothing. (The
    /// bench's pool is larger than the API's, which does not matter here: the enqueue batcher writes
    /// on at most two connections.)
    func inProcessEnqueue() async throws -> BenchResult {
        let job = try noopJob("\(runID)-inproc", kind: CanaryJob.name)
        let queue = self.queue
        let until = ContinuousClock.now + .seconds(Self.httpDuration)
        let started = ContinuousClock.now
        let count = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<Self.httpConnections {
                group.addTask {
                    var count = 0
                    while ContinuousClock.now < until {
                        try await queue.enqueue(job)
                        count += 1
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        return BenchResult(name: BenchRatios.inProcessEnqueue, value: rate(count, .now - started), unit: "jobs/s", target: nil,
                           higherIsBetter: true)
    }

    /// A release `API` on a free port with the bench's settings and `environment`, answering its health check.
    func launchAPI(binary: String, environment: [String: String] = [:]) async throws -> (Process, String) {
        let port = 20_000 + Int.random(in: 0..<20_000)
        let base = "http://127.0.0.1:\(port)"
        let api = Process()
        api.executableURL = URL(fileURLWithPath: binary)
        api.environment = ProcessInfo.processInfo.environment.merging([
            "API_PORT": "\(port)", "JWT_SECRET": "bench-secret-\(UUID().uuidString)", "SECRETS_KEY": "bench-seal-\(UUID().uuidString)",
            "MIGRATE_ON_START": "false",
            "LOG_LEVEL": "warning",
            // The limiter runs on every request (its Redis round trip is part of the cost) but never refuses.
            "RATE_LIMIT_WRITE": "bucket:100000000@100000000/s",
        ].merging(environment) { $1 }) { $1 }
        try api.run()
        for _ in 0..<100 {
            if (try? Self.command("/usr/bin/curl", ["-sf", "\(base)/health/live"])) != nil { return (api, base) }
            try await Task.sleep(for: .milliseconds(100))
        }
        api.terminate()
        api.waitUntilExit()
        throw BenchError("the API did not start on port \(port)")
    }

    /// A new user and a workspace of theirs: the user's token and the workspace's id.
    func registerWorkspace(base: String) throws -> (token: String, workspaceID: String) {
        let email = "\(runID)-\(UUID().uuidString.prefix(8).lowercased())@bench.example.com"
        let registered = try Self.postJSON("\(base)/auth/register", ["email": email, "password": "bench password 123"])
        guard let token = registered["access_token"] as? String else { throw BenchError("register failed: \(registered)") }
        let workspace = try Self.postJSON("\(base)/api/workspaces/", ["name": runID], token: token)
        guard let workspaceID = workspace["id"] as? String else { throw BenchError("workspace failed: \(workspace)") }
        return (token, workspaceID)
    }

    static func postJSON(_ url: String, _ body: [String: Any], token: String? = nil, headers: [String: String] = [:]) throws -> [String: Any] {
        let data = try JSONSerialization.data(withJSONObject: body)
        var arguments = ["-s", "-X", "POST", url, "-H", "Content-Type: application/json", "--data-binary", String(decoding: data, as: UTF8.self)]
        if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        for (name, value) in headers { arguments += ["-H", "\(name): \(value)"] }
        let output = try command("/usr/bin/curl", arguments)
        return (try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]) ?? [:]
    }

    /// Runs a command to completion and returns its standard output; throws on a non-zero exit.
    static func command(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString).out")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try handle.close()
        let text = try String(contentsOf: output, encoding: .utf8)
        guard process.terminationStatus == 0 else { throw BenchError("\(executable) exited \(process.terminationStatus): \(text)") }
        return text
    }
}

/// What `wrk --latency` printed: accepted responses, duration and latency percentiles.
struct WrkReport {
    let accepted: Int
    let seconds: Double
    let p50: Double
    let p99: Double

    init(_ text: String) throws {
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        func milliseconds(_ value: String) -> Double? {
            for (suffix, factor) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0)] where value.hasSuffix(suffix) {
                return Double(value.dropLast(suffix.count)).map { $0 * factor }
            }
            return nil
        }
        func percentile(_ label: String) -> Double? {
            lines.first { $0.hasPrefix(label + " ") }.flatMap { $0.split(separator: " ").last.map(String.init) }.flatMap(milliseconds)
        }
        // "123456 requests in 10.00s, 20.1MB read"
        guard let totals = lines.first(where: { $0.contains(" requests in ") }),
              let total = Int(totals.split(separator: " ")[0]),
              let secondsText = totals.split(separator: " ").dropFirst(3).first,
              let seconds = Double(secondsText.dropLast(secondsText.hasSuffix("s,") ? 2 : 1)),
              let p50 = percentile("50%"), let p99 = percentile("99%")
        else { throw BenchError("cannot read wrk's report:\n\(text)") }
        let failed = lines.first { $0.hasPrefix("Non-2xx or 3xx responses:") }
            .flatMap { Int($0.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "") } ?? 0
        let errors = lines.first { $0.hasPrefix("Socket errors:") } != nil
        if errors || failed > 0 {
            Swift.print("wrk: \(failed) non-2xx responses; \(lines.first { $0.hasPrefix("Socket errors:") } ?? "no socket errors")")
        }
        accepted = total - failed
        self.seconds = seconds
        self.p50 = p50
        self.p99 = p99
    }
}
