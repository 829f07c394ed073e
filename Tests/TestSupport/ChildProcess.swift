import Foundation
import Synchronization
import QueueEngine
import Testing

/// A process started by a test (a worker binary, a private redis-server), killed when the test ends.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: `process` is configured before launch and afterwards only signalled and read,
    // which Foundation's Process allows from any thread; the exit is tracked by `exited`.
    public let process = Process()
    private let exited = ExitSignal()

    /// Output (standard output, and standard error unless `discardErrors`) goes to `output` when given.
    public init(_ executable: String, _ arguments: [String] = [], environment: [String: String] = [:], output: URL? = nil,
                discardErrors: Bool = false) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let output {
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            let handle = try FileHandle(forWritingTo: output)
            process.standardOutput = handle
            process.standardError = discardErrors ? FileHandle.nullDevice : handle
        } else {
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        }
        // The exit is reported through the termination handler, set before launch so a fast exit is
        // not missed. `waitUntilExit` spins a run loop on the waiting thread; from dispatch's pool
        // threads that stalled the whole test process now and then.
        process.terminationHandler = { [exited] process in exited.fire(process.terminationStatus) }
        try ProcessLauncher.run(process)
    }

    public var pid: Int32 { process.processIdentifier }

    public var isRunning: Bool { process.isRunning }

    public func signal(_ signal: Int32) {
        if process.isRunning { Glibc.kill(process.processIdentifier, signal) }
    }

    /// Waits for exit without holding a thread and returns the status.
    public func waitForExit() async -> Int32 {
        await exited.wait()
    }

    /// Ends the process at once and waits for its exit.
    public func kill() async {
        signal(SIGKILL)
        _ = await waitForExit()
    }

    deinit { signal(SIGKILL) }

    /// The folder of the built executables (`VPAI_BIN_DIR`, else `.build/debug` of this package).
    public static var binDirectory: String {
        if let dir = ProcessInfo.processInfo.environment["VPAI_BIN_DIR"], !dir.isEmpty { return dir }
        return packageRoot.appendingPathComponent(".build/debug").path
    }

    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// A TCP port on 127.0.0.1 that nothing uses right now, below the kernel's ephemeral range
    /// (32768–60999): a port from that range could be handed to any server that binds port 0, or to an
    /// outgoing connection, between this answer and the bind of the server it was picked for.
    public static func freePort() throws -> Int {
        for _ in 0..<500 {
            let port = Int.random(in: 20_000..<32_000)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            if bound { return port }
        }
        throw POSIXError(.EADDRINUSE)
    }

    /// Runs a command to completion and returns its output; throws on a non-zero exit.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           discardErrors: Bool = false) async throws -> String {
        // Output goes to a file, not a pipe: a daemon the command starts (pg_ctl's postmaster) could
        // inherit the pipe and hold it open long after the command itself exited.
        let outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("cmd-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: outputURL) }
        let status = try await ChildProcess(executable, arguments, environment: environment, output: outputURL,
                                              discardErrors: discardErrors).waitForExit()
        let data = (try? Data(contentsOf: outputURL)) ?? Data()
        let output = String(decoding: data, as: UTF8.self)
        guard status == 0 else {
            throw CommandFailure(description: "\(executable) \(arguments.joined(separator: " ")) exited \(status): \(output)")
        }
        return output
    }

    public struct CommandFailure: Error, CustomStringConvertible { public let description: String }
}

/// Launches every child process from one thread that lives as long as the test process.
///
/// `Process.run()` attaches a run loop (with descriptors of its own) to the calling thread. Called
/// from the cooperative pool, that run loop belongs to a pool thread that later exits, and the test
/// process now and then stalled for good afterwards; a single long-lived launching thread avoids it.
public enum ProcessLauncher {
    private static let requests = Mutex<[@Sendable () -> Void]>([])
    private static let pending = DispatchSemaphore(value: 0)
    /// Started once, on first use (a `Bool` so the lazy static is Sendable).
    private static let started: Bool = {
        let thread = Thread {
            while true {
                pending.wait()
                let request = requests.withLock { $0.removeFirst() }
                request()
            }
        }
        thread.name = "process-launcher"
        thread.start()
        return true
    }()

    public static func run(_ process: Process) throws {
        _ = started
        let done = DispatchSemaphore(value: 0)
        let failure = Mutex<(any Error)?>(nil)
        requests.withLock {
            $0.append {
                do { try process.run() } catch { failure.withLock { $0 = error } }
                done.signal()
            }
        }
        pending.signal()
        done.wait()
        if let error = failure.withLock({ $0 }) { throw error }
    }
}

/// A child's exit status, delivered once to any number of waiters, whether they come before or after.
public final class ExitSignal: Sendable {
    private let state = Mutex<(status: Int32?, waiters: [CheckedContinuation<Int32, Never>])>((nil, []))

    public func fire(_ status: Int32) {
        let waiters = state.withLock { state in
            state.status = status
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: status) }
    }

    public func wait() async -> Int32 {
        await withCheckedContinuation { continuation in
            let status = state.withLock { state -> Int32? in
                if state.status == nil { state.waiters.append(continuation) }
                return state.status
            }
            if let status { continuation.resume(returning: status) }
        }
    }
}

/// A Redis server of one test's own, so stopping it does not disturb other tests.
public final class PrivateRedis: Sendable {
    public let port: Int
    private let server: ChildProcess

    /// `arguments` go to redis-server after the port and persistence settings (ACL users, say).
    /// With `tls`, `port` serves TLS only (`arguments` then name the certificate files).
    public init(arguments: [String] = [], tls: Bool = false) throws {
        port = try ChildProcess.freePort()
        server = try Self.launch(port, (tls ? ["--port", "0", "--tls-port", "\(port)"] : []) + arguments)
    }

    private init(port: Int, server: ChildProcess) {
        self.port = port
        self.server = server
    }

    private static func launch(_ port: Int, _ arguments: [String] = []) throws -> ChildProcess {
        try ChildProcess("/usr/bin/redis-server", ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"] + arguments)
    }

    public var configuration: RedisConfiguration { RedisConfiguration(host: "127.0.0.1", port: port) }

    public func waitUntilReady() async throws {
        try await expectEventually(timeout: .seconds(10)) { (try? await self.cli(["PING"]))?.contains("PONG") == true }
    }

    public func cli(_ arguments: [String]) async throws -> String {
        try await ChildProcess.run("/usr/bin/redis-cli", ["-h", "127.0.0.1", "-p", "\(port)"] + arguments)
    }

    public func kill() async {
        server.signal(SIGKILL)
        _ = await server.waitForExit()
    }

    /// A new server on the same port (the old one must be stopped).
    public func restarted() throws -> PrivateRedis {
        PrivateRedis(port: port, server: try Self.launch(port))
    }
}
