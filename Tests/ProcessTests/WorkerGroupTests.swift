import Foundation
import QueueEngine
import Testing
import TestSupport

/// A worker group named by what it leaves to another (`WORKER_QUEUES_EXCLUDE`, the Kubernetes base's
/// general group): combined with `WORKER_QUEUES`, or leaving no queue, it stops the worker at startup
/// with the variable's name rather than running a worker that serves nothing or not what was meant.
@Suite(.timeLimit(.minutes(3))) struct WorkerGroupTests {
    @Test func anExcludedQueueIsLeftToItsOwnGroupAndAMisnamedOneStopsTheWorker() async throws {
        await #expect {
            _ = try await ChildProcess.run(ChildProcess.binDirectory + "/Worker", [], environment: [
                "WORKER_QUEUES": "default=1", "WORKER_QUEUES_EXCLUDE": "calls", "MIGRATE_ON_START": "false",
            ])
        } throws: { error in
            String(describing: error).contains("WORKER_QUEUES_EXCLUDE")
        }
        let everyQueue = "calls,default,email,email-bulk,files,gdpr,maintenance,tools,transcription,webhooks"
        await #expect {
            _ = try await ChildProcess.run(ChildProcess.binDirectory + "/Worker", [], environment: [
                "WORKER_QUEUES_EXCLUDE": everyQueue, "MIGRATE_ON_START": "false",
            ])
        } throws: { error in
            String(describing: error).contains("leaves this worker no queue")
        }
    }
}
