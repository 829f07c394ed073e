import Foundation
import QueueEngine
import Synchronization

/// Handlers for engine tests. Each records what it saw in a shared `Probe`.
public final class Probe: Sendable {
    public init() {}

    private struct State {
        var runs: [Int64: [Int]] = [:]
        var running = 0
        var maxRunning = 0
        var runningByGroup: [String: Int] = [:]
        var maxRunningByGroup: [String: Int] = [:]
    }

    private let state = Mutex(State())

    public func begin(_ context: JobContext, group: String?) {
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

    public func end(group: String?) {
        state.withLock { state in
            state.running -= 1
            if let group { state.runningByGroup[group, default: 0] -= 1 }
        }
    }

    public func maxRunning(group: String) -> Int { state.withLock { $0.maxRunningByGroup[group] ?? 0 } }

    public func attempts(_ id: Int64) -> [Int] { state.withLock { $0.runs[id] ?? [] } }
    public var maxRunning: Int { state.withLock { $0.maxRunning } }
    public var running: Int { state.withLock { $0.running } }
    public var totalRuns: Int { state.withLock { $0.runs.values.reduce(0) { $0 + $1.count } } }
}

/// What a scripted attempt does.
public struct ScriptArgs: Codable, Sendable {
    public init(actions: [Action], sleepMS: Int = 0, group: String? = nil) {
        self.actions = actions
        self.sleepMS = sleepMS
        self.group = group
    }

    public enum Action: String, Codable, Sendable { case succeed, fail, snooze, discard, sleep, progress }
    public var actions: [Action]
    public var sleepMS: Int = 0
    /// Runs of one group are counted together (e.g. jobs sharing a concurrency key).
    public var group: String?
}

/// Runs `actions[attempt - 1]` (the last one for later attempts).
public struct ScriptedJob: JobKind {
    public typealias Args = ScriptArgs
    public static let name = "test.scripted"
    public static var defaults: JobDefaults {
        JobDefaults(maxAttempts: 3, timeout: .seconds(30), retryPolicy: RetryPolicy(base: .milliseconds(200), cap: .seconds(1)))
    }

    public let probe: Probe

    public init(probe: Probe) { self.probe = probe }

    public struct Failure: Error, CustomStringConvertible { public var description: String { "scripted failure" } }

    public func run(_ args: ScriptArgs, context: JobContext) async throws -> JobOutcome {
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
    public static func scripted(_ probe: Probe) -> JobRegistry {
        var registry = JobRegistry()
        registry.register(ScriptedJob(probe: probe))
        return registry
    }
}

/// A kind known only by its definition, for schedules and producers in engine tests.
public enum SampleJob: JobDefinition {
    public struct Args: Codable, Sendable {
        public var sleepMS: Int?
        public var retentionHours: Int?
    }

    public static let name = "test.sample"
    public static var defaults: JobDefaults { JobDefaults(queue: "default", maxAttempts: 3, timeout: .seconds(30)) }

    /// A catalogue of this kind alone.
    public static var catalogue: JobCatalogue {
        var catalogue = JobCatalogue()
        catalogue.register(SampleJob.self)
        return catalogue
    }
}
