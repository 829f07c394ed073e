import Foundation
import Platform
import QueueEngine
import Testing

/// The shipped `cron/` folder loads against the platform's kinds.
struct ShippedScheduleTests {
    @Test func theShippedScheduleIsValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let entries = try ScheduleLoader(catalogue: PlatformJobs.catalogue).load(folder: root.appendingPathComponent("cron").path)
        #expect(entries.map(\.name).contains("prune-finished-jobs"))
    }
}
