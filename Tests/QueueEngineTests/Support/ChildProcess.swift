import Foundation
import QueueEngine
import Testing

/// A process started by a test (a worker binary, a private redis-server), killed when the test ends.
final class ChildProcess: @unchecked Sendable {
    // @unchecked: `process` is configured before launch and afterwards only signalled and waited on,
    // which Foundation's Process allows from any thread.
    let process = Process()

    init(_ executable: String, _ arguments: [String] = [], environment: [String: String] = [:], output: URL? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let output {
            FileManager.default.createFile(atPath: output.path, contents: nil)
            let handle = try FileHandle(forWritingTo: output)
            process.standardOutput = handle
            process.standardError = handle
        } else {
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    func signal(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Waits for exit (off the cooperative pool) and returns the status.
    func waitForExit() async -> Int32 {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                self.process.waitUntilExit()
                continuation.resume(returning: self.process.terminationStatus)
            }
        }
    }

    deinit { signal(SIGKILL) }

    /// The folder of the built executables (`VPAI_BIN_DIR`, else `.build/debug` of this package).
    static var binDirectory: String {
        if let dir = ProcessInfo.processInfo.environment["VPAI_BIN_DIR"], !dir.isEmpty { return dir }
        return packageRoot.appendingPathComponent(".build/debug").path
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    /// A TCP port on 127.0.0.1 that nothing listens on right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Runs a command to completion and returns its output; throws on a non-zero exit.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        // Output goes to a file, not a pipe: a daemon the command starts (pg_ctl's postmaster) could
        // inherit the pipe and hold it open long after the command itself exited.
        let outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("cmd-\(UUID().uuidString).out")
        FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        let handle = try FileHandle(forWritingTo: outputURL)
        defer {
            try? handle.close()
            try? FileManager.default.removeItem(at: outputURL)
        }
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                process.waitUntilExit()
                continuation.resume()
            }
        }
        let data = (try? Data(contentsOf: outputURL)) ?? Data()
        let output = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw CommandFailure(description: "\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(output)")
        }
        return output
    }

    struct CommandFailure: Error, CustomStringConvertible { let description: String }
}

/// A Redis server of one test's own, so stopping it does not disturb other tests.
final class PrivateRedis: Sendable {
    let port: Int
    private let server: ChildProcess

    init() throws {
        port = try ChildProcess.freePort()
        server = try Self.launch(port)
    }

    private init(port: Int, server: ChildProcess) {
        self.port = port
        self.server = server
    }

    private static func launch(_ port: Int) throws -> ChildProcess {
        try ChildProcess("/usr/bin/redis-server", ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
    }

    var configuration: RedisConfiguration { RedisConfiguration(host: "127.0.0.1", port: port) }

    func waitUntilReady() async throws {
        try await expectEventually(timeout: .seconds(10)) { (try? await self.cli(["PING"]))?.contains("PONG") == true }
    }

    func cli(_ arguments: [String]) async throws -> String {
        try await ChildProcess.run("/usr/bin/redis-cli", ["-h", "127.0.0.1", "-p", "\(port)"] + arguments)
    }

    func kill() async {
        server.signal(SIGKILL)
        _ = await server.waitForExit()
    }

    /// A new server on the same port (the old one must be stopped).
    func restarted() throws -> PrivateRedis {
        PrivateRedis(port: port, server: try Self.launch(port))
    }
}
