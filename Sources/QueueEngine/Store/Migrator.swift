import Foundation
import Logging
import PostgresNIO

/// Applies numbered plain-SQL migrations (`0001_jobs.sql`, …) in order, each in its own transaction,
/// recorded in `schema_migrations`. An advisory lock makes processes that start together apply each
/// migration exactly once; the number is a migration's identity.
public struct Migrator: Sendable {
    public struct Migration: Sendable, Equatable {
        public let version: Int
        public let name: String
        public let url: URL
    }

    /// The engine's own migrations (the jobs tables).
    public static var engineMigrations: URL {
        Bundle.module.url(forResource: "Migrations", withExtension: nil)!
    }

    let client: PostgresClient
    let directories: [URL]
    let logger: Logger

    public init(client: PostgresClient, directories: [URL] = [Migrator.engineMigrations], logger: Logger) {
        self.client = client
        self.directories = directories
        self.logger = logger
    }

    /// All migrations found, ordered by number; two files with one number are an error.
    public func migrations() throws -> [Migration] {
        var byVersion: [Int: Migration] = [:]
        for directory in directories {
            let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            for file in files where file.pathExtension == "sql" {
                let name = file.deletingPathExtension().lastPathComponent
                guard let prefix = name.split(separator: "_").first, let version = Int(prefix) else {
                    throw QueueError(.migrationFailed, "migration \(file.lastPathComponent) does not start with a number")
                }
                if let other = byVersion[version] {
                    throw QueueError(.migrationFailed, "migrations \(other.name) and \(name) share number \(version)")
                }
                byVersion[version] = Migration(version: version, name: name, url: file)
            }
        }
        return byVersion.values.sorted { $0.version < $1.version }
    }

    /// Applies what is missing; returns the names applied by this call.
    @discardableResult
    public func migrate() async throws -> [String] {
        let all = try migrations()
        let logger = self.logger
        return try await client.transaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, logger: logger)
            var applied = Set<Int>()
            for try await version in try await connection.query("SELECT version FROM schema_migrations", logger: logger).decode(Int.self) {
                applied.insert(version)
            }
            var names: [String] = []
            for migration in all where !applied.contains(migration.version) {
                let sql = try String(contentsOf: migration.url, encoding: .utf8)
                do {
                    for statement in SQLScript.statements(sql) {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                } catch {
                    logger.error("migration failed", metadata: ["migration": "\(migration.name)", "error": "\(logDescription(error))"])
                    throw QueueError(.migrationFailed, "migration \(migration.name) failed; see the log")
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: logger)
                logger.info("migration applied", metadata: ["migration": "\(migration.name)"])
                names.append(migration.name)
            }
            return names
        }
    }

    static let lockKey: Int64 = 0x5150_4D49_4752
}
