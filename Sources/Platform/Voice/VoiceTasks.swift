import Foundation
import Synchronization

/// The tasks each streamed call's session has running, by call: a call whose stream ended holds
/// none once its last provider request has unwound, which the tests count.
public enum VoiceTasks {
    private static let running = Mutex<[UUID: Int]>([:])

    /// The tasks the session of `callID` has running.
    public static func count(callID: UUID) -> Int { running.withLock { $0[callID] ?? 0 } }

    /// The tasks of every session in this process.
    public static var total: Int { running.withLock { $0.values.reduce(0, +) } }

    /// Runs `body` as a task counted against `callID`.
    static func spawn(_ callID: UUID, _ body: @escaping @Sendable () async -> Void) -> Task<Void, Never> {
        running.withLock { $0[callID, default: 0] += 1 }
        return Task {
            defer {
                running.withLock { counts in
                    counts[callID, default: 1] -= 1
                    if counts[callID] == 0 { counts[callID] = nil }
                }
            }
            await body()
        }
    }
}
