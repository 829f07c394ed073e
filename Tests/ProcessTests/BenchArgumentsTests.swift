import Foundation
import Testing
import TestSupport

/// The bench refuses what it does not take with one line and exit status 2, before it connects
/// anywhere: a typo in `--only` must not silently run every scenario, or none.
struct BenchArgumentsTests {
    @Test(arguments: [
        (["--only", "enqueue,nonsense"], "unknown: nonsense"),
        (["--only", ""], "--only takes scenarios among enqueue,burndown,ceiling"),
        (["--repeat", "0"], "--repeat takes a count from 1 to 9"),
        (["--repeat", "ten"], "--repeat takes a count from 1 to 9"),
        (["--fast"], "unknown argument --fast; use --quick"),
    ])
    func refusedArgumentsEndTheRunWithOneLine(arguments: [String], message: String) async throws {
        // An address nothing listens on: a bench that got past its arguments would fail differently.
        let environment = ["DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"]
        do {
            try await ChildProcess.run(ChildProcess.binDirectory + "/Bench", arguments, environment: environment)
            Issue.record("\(arguments) was taken")
        } catch let failure as ChildProcess.CommandFailure {
            #expect(failure.description.contains("exited 2: bench: "), "\(failure)")
            #expect(failure.description.contains(message), "\(failure)")
        }
    }
}
