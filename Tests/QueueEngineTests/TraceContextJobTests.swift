import Foundation
import Logging
@testable import QueueEngine
import ServerSupport
import Synchronization
import Testing
import TestSupport

/// A job carries the trace of the work that enqueued it, by every insert path, and its attempt runs
/// as a child span of that trace: the handler's current trace, its logger, and the jobs it enqueues.
@Suite(.timeLimit(.minutes(3))) struct TraceContextJobTests {
    /// Records the trace each attempt ran under, and enqueues a follow-up from inside it when asked.
    struct TracedJob: JobKind {
        struct Args: Codable, Sendable { var followUp: Bool }
        static let name = "test.traced"
        let seen: Seen

        func run(_ args: Args, context: JobContext) async throws -> JobOutcome {
            var followUp: NewJob?
            if args.followUp { followUp = try NewJob(TracedJob.self, Args(followUp: false), options: JobOptions(queue: context.queue)) }
            seen.record(context.jobID, TraceContext.current, logged: context.logger[metadataKey: "trace.id"], followUp: followUp)
            return .success(resultJSON: nil)
        }
    }

    final class Seen: Sendable {
        struct Run { let trace: TraceContext?; let logged: Logger.MetadataValue?; let followUp: NewJob? }
        private let runs = Mutex<[Int64: Run]>([:])
        func record(_ id: Int64, _ trace: TraceContext?, logged: Logger.MetadataValue?, followUp: NewJob?) {
            runs.withLock { $0[id] = Run(trace: trace, logged: logged, followUp: followUp) }
        }
        func run(_ id: Int64) -> Run? { runs.withLock { $0[id] } }
    }

    @Test func everyInsertPathStoresTheEnqueuersTraceAndTheAttemptContinuesIt() async throws {
        try await TestHarness.with { harness in
            let request = TraceContext.root()
            func job(_ followUp: Bool = false) throws -> NewJob {
                try NewJob(TracedJob.self, .init(followUp: followUp), options: JobOptions(queue: harness.queueName))
            }
            let (single, batch, copied) = try await TraceContext.$current.withValue(request) {
                (try await harness.queue.enqueue(try job(true)),
                 try await harness.queue.enqueueMany([try job(), try job()]),
                 try await harness.queue.enqueueMany(try (0..<JobStore.copyThreshold).map { _ in try job() }))
            }
            let untraced = try await harness.queue.enqueue(try job())
            for id in [single.id, batch[1].id, copied[0].id, copied[JobStore.copyThreshold - 1].id] {
                #expect(try await harness.job(id).traceparent == request.traceparent, "job \(id)")
            }
            #expect(try await harness.job(untraced.id).traceparent == nil)

            let seen = Seen()
            var registry = JobRegistry()
            registry.register(TracedJob(seen: seen))
            // The untraced job is behind the thousand copied ones: on a loaded machine that takes a while.
            try await harness.withWorker(harness.workerConfiguration(), registry: registry) { _ in
                try await harness.waitFor(single.id, timeout: .seconds(90))
                try await harness.waitFor(untraced.id, timeout: .seconds(90))
            }
            let attempt = try #require(seen.run(single.id))
            let span = try #require(attempt.trace)
            #expect(span.traceID == request.traceID)
            #expect(span.parentSpanID == request.spanID)
            #expect(span.spanID != request.spanID)
            #expect(attempt.logged == .string(request.traceID))
            // A job enqueued by the attempt continues the trace from the attempt's span.
            #expect(attempt.followUp?.traceparent == span.traceparent)

            let root = try #require(seen.run(untraced.id)?.trace)
            #expect(root.traceID != request.traceID && root.parentSpanID == nil, "an untraced job runs as a new trace")
        }
    }
}
