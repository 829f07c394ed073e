import Foundation
import Logging
import Synchronization

/// Listens on the wake-up channels from its own thread and turns messages into `events`.
///
/// It reconnects with backoff when Redis goes away and emits `.subscribed` after every (re)subscribe,
/// so the worker fetches once: anything enqueued while the subscription was down is picked up then.
public final class WakeupSubscriber: Sendable {
    public enum Event: Sendable, Equatable {
        case subscribed
        case disconnected
        case wake(queue: String)
        case cancel(jobID: Int64)
    }

    public let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    private let configuration: RedisConfiguration
    private let logger: Logger
    private let state = Mutex<State>(State())

    private struct State {
        var stopped = false
        var connected = false
        var connection: RedisConnection?
        var started = false
    }

    public init(configuration: RedisConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        (events, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .unbounded)
    }

    /// Whether the subscription is live right now (workers poll faster while it is not).
    public var isConnected: Bool { state.withLock { $0.connected } }

    public func start() {
        let first = state.withLock { state -> Bool in
            defer { state.started = true }
            return !state.started
        }
        guard first else { return }
        let thread = Thread { [self] in runLoop() }
        thread.name = "redis-subscriber"
        thread.start()
    }

    public func stop() {
        let connection = state.withLock { state -> RedisConnection? in
            state.stopped = true
            return state.connection
        }
        connection?.interrupt()
        continuation.finish()
    }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    private func runLoop() {
        var backoff: Duration = .milliseconds(50)
        // Said once until the next subscribe (a refused certificate must not hide at debug level).
        var warned = false
        while !isStopped {
            do {
                let connection = try RedisConnection(configuration: configuration, connectTimeout: .milliseconds(500), readTimeout: nil)
                let stopped = state.withLock { state -> Bool in
                    state.connection = connection
                    return state.stopped
                }
                if stopped { break }
                try connection.append(["SUBSCRIBE", WakeupChannel.wake, WakeupChannel.cancel])
                while true {
                    guard case .array(let parts) = try connection.readReply(), parts.count == 3 else { continue }
                    switch (parts[0], parts[1], parts[2]) {
                    case (.string("subscribe"), _, .integer(2)):
                        state.withLock { $0.connected = true }
                        backoff = .milliseconds(50)
                        warned = false
                        logger.info("wake-up subscription live", metadata: ["redis": "\(configuration.host):\(configuration.port)"])
                        continuation.yield(.subscribed)
                    case (.string("message"), .string(WakeupChannel.wake), .string(let queue)):
                        continuation.yield(.wake(queue: queue))
                    case (.string("message"), .string(WakeupChannel.cancel), .string(let id)):
                        if let jobID = Int64(id) { continuation.yield(.cancel(jobID: jobID)) }
                    default:
                        continue
                    }
                }
            } catch {
                let wasConnected = state.withLock { state -> Bool in
                    defer { state.connected = false; state.connection = nil }
                    return state.connected
                }
                if isStopped { break }
                if wasConnected {
                    logger.warning("wake-up subscription lost; polling until Redis is back", metadata: ["error": "\(error)"])
                    continuation.yield(.disconnected)
                    warned = true
                } else {
                    logger.log(level: warned ? .debug : .warning, "Redis unreachable; workers poll until it answers",
                               metadata: ["error": "\(error)", "retry_in_ms": "\(backoff.milliseconds)"])
                    warned = true
                }
                sleepUnlessStopped(backoff)
                backoff = min(backoff * 2, WakeupChannel.maximumReconnectDelay)
            }
        }
        state.withLock { $0.connection = nil; $0.connected = false }
    }

    private func sleepUnlessStopped(_ duration: Duration) {
        let deadline = ContinuousClock.now + duration
        while !isStopped, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.02)
        }
    }
}
