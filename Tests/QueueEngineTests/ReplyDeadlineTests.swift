import Foundation
@testable import QueueEngine
import Synchronization
import Testing
import TestSupport

/// The bound on engine statements: a reply that never comes turns into an error the caller retries.
@Suite(.timeLimit(.minutes(1))) struct ReplyDeadlineTests {
    @Test func aReplyThatNeverComesEndsAtTheDeadline() async throws {
        let started = ContinuousClock.now
        await #expect(throws: ReplyTimeout.self) {
            try await withReplyDeadline(.milliseconds(200)) { () async throws -> Int in
                // Like a query whose reply was lost: it ignores cancellation and never returns.
                await withCheckedContinuation { (_: CheckedContinuation<Void, Never>) in }
                return 1
            }
        }
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func aReplyInTimeIsReturnedAndItsErrorsPassThrough() async throws {
        #expect(try await withReplyDeadline(.seconds(5)) { 42 } == 42)
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await withReplyDeadline(.seconds(5)) { () async throws -> Int in throw Refused() }
        }
    }

    @Test func cancellingTheCallerEndsTheWaitAtOnce() async throws {
        let task = Task {
            try await withReplyDeadline(.seconds(60)) { () async throws -> Int in
                await withCheckedContinuation { (_: CheckedContinuation<Void, Never>) in }
                return 1
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        task.cancel()
        let started = ContinuousClock.now
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
