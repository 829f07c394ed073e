import Foundation
import Testing
import TestSupport

/// The tests' own process starter: exit codes and signals as `Process` reported them, nothing of the
/// test process inherited, output where it was asked to go.
struct ChildProcessTests {
    @Test func reportsExitCodesAndTheSignalThatEndedAChild() async throws {
        #expect(try await ChildProcess("/bin/sh", ["-c", "exit 3"]).waitForExit() == 3)
        let sleeper = try ChildProcess("/bin/sleep", ["30"])
        #expect(sleeper.isRunning)
        sleeper.signal(SIGTERM)
        #expect(await sleeper.waitForExit() == SIGTERM)
        #expect(!sleeper.isRunning)
    }

    @Test func aChildInheritsOnlyItsStandardDescriptorsAndWritesWhereItWasTold() async throws {
        // A descriptor of this process without close-on-exec, as a careless library might leave one.
        let leaked = open("/dev/null", O_RDONLY)
        defer { close(leaked) }
        #expect(leaked > 2)
        let output = try await ChildProcess.run("/bin/sh", ["-c", "ls /proc/$$/fd; echo to-stderr >&2"])
        let descriptors = Set(output.split(separator: "\n").map(String.init))
        #expect(!descriptors.contains("\(leaked)"), "inherited: \(descriptors.sorted())")
        #expect(descriptors.isSuperset(of: ["0", "1", "2"]) && descriptors.contains("to-stderr"))
    }
}
