import Foundation
import Synchronization
import QueueEngine
import Testing

/// A process started by a test (a worker binary, a private redis-server), killed when the test ends.
///
/// Started with `posix_spawn` and reaped by a thread of its own blocked in `waitpid`: Foundation's
/// `Process` attaches a run loop to the launching thread and reports exits through it, and a test
/// process using it stalled for good now and then (once in a fresh-clone CI run, idle until the
/// suite's time limit while its private PostgreSQL was up).
public final class ChildProcess: Sendable {
    public let pid: pid_t
    private let exited = ExitSignal()

    /// Output (standard output, and standard error unless `discardErrors`) goes to `output` when given.
    public init(_ executable: String, _ arguments: [String] = [], environment: [String: String] = [:], output: URL? = nil,
                discardErrors: Bool = false) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output?.path ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if output == nil || discardErrors {
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        // Nothing else of the test process (its sockets, its files) leaks into a daemon the child starts.
        _ = Self.addCloseFrom?(&actions, 3)

        // Signals start at their defaults and unblocked, whatever this process ignores or masks.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t()
        var none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0)=\($1)" }
        var child: pid_t = 0
        let status = Self.withCStrings([executable] + arguments) { argv in
            Self.withCStrings(variables) { envp in posix_spawn(&child, executable, &actions, &attributes, argv, envp) }
        }
        guard status == 0 else { throw POSIXError(POSIXErrorCode(rawValue: status) ?? .EINVAL) }
        pid = child
        let thread = Thread { [exited, child] in
            var raw: Int32 = 0
            var reaped = waitpid(child, &raw, 0)
            while reaped == -1 && errno == EINTR { reaped = waitpid(child, &raw, 0) }
            // An exit code, or the number of the signal that ended it (as Foundation's `Process` reports);
            // -1 when the child could not be waited for, never a success it did not report.
            exited.fire(reaped == -1 ? -1 : raw & 0x7f == 0 ? (raw >> 8) & 0xff : raw & 0x7f)
        }
        thread.name = "reap-\(child)"
        thread.start()
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc module does not export.
    private static let addCloseFrom: AddCloseFrom? = {
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: AddCloseFrom.self) }
    }()
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// `strings` as a NULL-terminated array of C strings, alive during `body`.
    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers)
    }

    public var isRunning: Bool { !exited.hasFired }

    public func signal(_ signal: Int32) {
        if isRunning { Glibc.kill(pid, signal) }
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

    public var hasFired: Bool { state.withLock { $0.status != nil } }

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
