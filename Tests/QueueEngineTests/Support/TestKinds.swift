import Foundation
import QueueEngine
import Synchronization

/// Handlers for engine tests. Each records what it saw in a shared `Probe`.
final class Probe: Sendable {
    private struct State {
        var runs: [Int64: [Int]] = [:]
        var running = 0
        var maxRunning = 0
        var runningByGroup: [String: Int] = [:]
        var maxRunningByGroup: [String: Int] = [:]
    }

    private let state = Mutex(State())

    func begin(_ context: JobContext, group: String?) {
        state.withLock { state in
            state.runs[context.jobID, default: []].append(context.attempt)
            state.running += 1
            state.maxRunning = max(state.maxRunning, state.running)
            if let group {
                state.runningByGroup[group, default: 0] += 1
                state.maxRunningByGroup[group] = max(state.maxRunningByGroup[group] ?? 0, state.runningByGroup[group]!)
            }
        }
    }

    func end(group: String?) {
        state.withLock { state in
            state.running -= 1
            if let group { state.runningByGroup[group, default: 0] -= 1 }
        }
    }

    func maxRunning(group: String) -> Int { state.withLock { $0.maxRunningByGroup[group] ?? 0 } }

    func attempts(_ id: Int64) -> [Int] { state.withLock { $0.runs[id] ?? [] } }
    var maxRunning: Int { state.withLock { $0.maxRunning } }
    var running: Int { state.withLock { $0.running } }
    var totalRuns: Int { state.withLock { $0.runs.values.reduce(0) { $0 + $1.count } } }
}

/// What a scripted attempt does.
struct ScriptArgs: Codable, Sendable {
    enum Action: String, Codable, Sendable { case succeed, fail, snooze, discard, sleep, progress }
    var actions: [Action]
    var sleepMS: Int = 0
    /// Runs of one group are counted together (e.g. jobs sharing a concurrency key).
    var group: String?
}

/// Runs `actions[attempt - 1]` (the last one for later attempts).
struct ScriptedJob: JobKind {
    typealias Args = ScriptArgs
    static let name = "test.scripted"
    static var defaults: JobDefaults {
        JobDefaults(maxAttempts: 3, timeout: .seconds(30), retryPolicy: RetryPolicy(base: .milliseconds(200), cap: .seconds(1)))
    }

    let probe: Probe

    struct Failure: Error, CustomStringConvertible { var description: String { "scripted failure" } }

    func run(_ args: ScriptArgs, context: JobContext) async throws -> JobOutcome {
        probe.begin(context, group: args.group)
        defer { probe.end(group: args.group) }
        let action = args.actions[min(context.attempt, args.actions.count) - 1]
        switch action {
        case .succeed: return try .success(["attempt": context.attempt])
        case .fail: throw Failure()
        case .snooze: return .snooze(.milliseconds(100))
        case .discard: return .discard(reason: "scripted discard")
        case .sleep:
            try await Task.sleep(for: .milliseconds(args.sleepMS))
            return .success
        case .progress:
            try await context.reportProgress(40, "scripted progress")
            try await Task.sleep(for: .milliseconds(args.sleepMS))
            return .success
        }
    }
}

extension JobRegistry {
    static func scripted(_ probe: Probe) -> JobRegistry {
        var registry = JobRegistry()
        registry.register(ScriptedJob(probe: probe))
        return registry
    }
}
