import Foundation
import QueueEngine
import ServerSupport

/// A PostgreSQL cluster of one test's own (through scripts/services.sh), so restarting it does not
/// disturb other tests.
public struct PrivatePostgres: Sendable {
    public let stateDirectory: URL
    public let port: Int

    public static func start() async throws -> PrivatePostgres {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vpai-pg-\(UUID().uuidString.prefix(8))")
        let postgres = PrivatePostgres(stateDirectory: directory, port: try ChildProcess.freePort())
        try await postgres.services("start")
        return postgres
    }

    public var configuration: DatabaseConfiguration {
        get throws {
            try DatabaseConfiguration(environment: Environment([
                "DATABASE_URL": "postgres://postgres@127.0.0.1:\(port)/voicepartner", "DATABASE_POOL_SIZE": "8",
                // A reply lost to the restart is given up on quickly, so the test sees the retry.
                "DATABASE_REPLY_TIMEOUT_MS": "5000",
            ]))
        }
    }

    /// Stops the server: `fast` ends every session cleanly, `immediate` as a crash would.
    public func stop(mode: String = "fast") async throws { try await services("stop", mode: mode) }

    public func startAgain() async throws { try await services("start") }

    public func destroy() async {
        try? await stop()
        try? FileManager.default.removeItem(at: stateDirectory)
    }

    private func services(_ command: String, mode: String = "fast") async throws {
        try await ChildProcess.run("/bin/bash", [ChildProcess.packageRoot.appendingPathComponent("scripts/services.sh").path, command], environment: [
            "VPAI_STATE_DIR": stateDirectory.path, "VPAI_PG_PORT": "\(port)", "VPAI_DB_NAME": "voicepartner",
            "DATABASE_URL": "", "REDIS_URL": "none", "VPAI_PG_STOP_MODE": mode,
        ])
    }
}
