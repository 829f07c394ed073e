#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Runs an extraction tool (pdftotext, unzip, antiword) without a shell. Its output goes to a
/// temporary file and the child is polled with `waitpid(WNOHANG)`, so no thread blocks on it; it is
/// killed at the deadline, when its output passes the limit, or when the calling task is cancelled.
enum ToolProcess {
    struct Outcome {
        let exitCode: Int32
        let output: Data
        let errorOutput: String
    }

    enum Failure: Error, Equatable {
        case timedOut(Duration)
        case outputTooLarge(limit: Int)
        case launchFailed(String)
    }

    static func run(_ executable: String, _ arguments: [String], timeout: Duration, maxOutput: Int) async throws -> Outcome {
        let folder = FileManager.default.temporaryDirectory
        let outputPath = folder.appendingPathComponent("tool-\(UUID().uuidString).out").path
        let errorPath = folder.appendingPathComponent("tool-\(UUID().uuidString).err").path
        defer {
            unlink(outputPath)
            unlink(errorPath)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        // A fixed environment: the same output whatever the worker's locale, and none of the worker's
        // own settings (database URL, keys) handed to a parser of untrusted files.
        let settings = ["PATH=/usr/bin:/bin", "LC_ALL=C.UTF-8", "HOME=\(folder.path)"]
        let environment: [UnsafeMutablePointer<CChar>?] = settings.map { strdup($0) } + [nil]
        defer { for pointer in environment { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environment)
        guard spawned == 0 else { throw Failure.launchFailed("\(executable): \(String(cString: strerror(spawned)))") }

        let deadline = ContinuousClock.now + timeout
        var status: Int32 = 0
        while true {
            if waitpid(pid, &status, WNOHANG) == pid { break }
            var info = stat()
            let written = stat(outputPath, &info) == 0 ? Int(info.st_size) : 0
            let failure: Failure? = if written > maxOutput {
                .outputTooLarge(limit: maxOutput)
            } else if ContinuousClock.now >= deadline {
                .timedOut(timeout)
            } else {
                nil
            }
            if let failure {
                stop(pid)
                throw failure
            }
            do {
                try await Task.sleep(for: .milliseconds(5))
            } catch {
                stop(pid)
                throw error
            }
        }
        let output = FileManager.default.contents(atPath: outputPath) ?? Data()
        guard output.count <= maxOutput else { throw Failure.outputTooLarge(limit: maxOutput) }
        let errors = String(decoding: (FileManager.default.contents(atPath: errorPath) ?? Data()).prefix(4_096), as: UTF8.self)
        // Exited normally: the low 7 bits are zero and the code is in the next byte; else a signal ended it.
        let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Outcome(exitCode: exitCode, output: output, errorOutput: errors)
    }

    private static func stop(_ pid: pid_t) {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}
