import Foundation
import QueueEngine
import Synchronization

/// One Redis connection on a thread of its own that sends every command waiting at that moment in
/// one write and reads their replies in one go. Under load a check then costs a share of a round
/// trip instead of a round trip and two thread hops; the connection's blocking calls stay off the
/// cooperative pool and NIO's event loops.
final class RedisPipeline: Sendable {
    typealias Reply = RedisConnection.Reply
    private typealias Waiter = CheckedContinuation<Reply, any Error>

    let configuration: RedisConfiguration
    private let pending = Mutex<(commands: [([String], Waiter)], started: Bool)>(([], false))
    private let signal = DispatchSemaphore(value: 0)

    private init(configuration: RedisConfiguration) {
        self.configuration = configuration
    }

    private static let shared = Mutex<[RedisConfiguration: RedisPipeline]>([:])

    /// One pipeline (and thread) per Redis server in the process, however many limiters use it.
    static func to(_ configuration: RedisConfiguration) -> RedisPipeline {
        shared.withLock { pipelines in
            if let pipeline = pipelines[configuration] { return pipeline }
            let pipeline = RedisPipeline(configuration: configuration)
            pipelines[configuration] = pipeline
            return pipeline
        }
    }

    func command(_ arguments: [String]) async throws -> Reply {
        try await withCheckedThrowingContinuation { continuation in
            let start = pending.withLock { state -> Bool in
                state.commands.append((arguments, continuation))
                defer { state.started = true }
                return !state.started
            }
            if start {
                let thread = Thread { [self] in run() }
                thread.name = "redis-pipeline"
                thread.start()
            }
            signal.signal()
        }
    }

    /// The thread's loop; it lives as long as the process (limiters are process-wide).
    private func run() {
        var connection: RedisConnection?
        while true {
            signal.wait()
            let batch = pending.withLock { state in
                defer { state.commands.removeAll(keepingCapacity: true) }
                return state.commands
            }
            guard !batch.isEmpty else { continue }
            var delivered = 0
            do {
                let live = try connection ?? RedisConnection(configuration: configuration, connectTimeout: .milliseconds(200),
                                                             readTimeout: .milliseconds(500))
                connection = live
                for (arguments, _) in batch { try live.append(arguments) }
                for (_, waiter) in batch {
                    let reply = try live.readReply()
                    waiter.resume(returning: reply)
                    delivered += 1
                }
            } catch {
                // Replies already delivered stay delivered; the rest hear the failure.
                connection = nil
                for (_, waiter) in batch[delivered...] { waiter.resume(throwing: error) }
            }
        }
    }
}
