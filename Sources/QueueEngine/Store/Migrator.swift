import Foundation
import Logging
import PostgresNIO

/// Applies numbered plain-SQL migrations (`0001_jobs.sql`, …) in order, each in its own transaction,
/// recorded in `schema_migrations`. Migrations come in lines — the engine's own first, then each
/// library's on top — numbered and recorded apart, so one line's additions never renumber another's.
/// An advisory lock makes processes that start together apply each migration exactly once; a line
/// and a number are a migration's identity.
public struct Migrator: Sendable {
    /// One library's migrations: a name for the records and the folder of its numbered files.
    public struct Line: Sendable, Equatable {
        public let name: String
        public let directory: URL

        public init(name: String, directory: URL) {
            self.name = name
            self.directory = directory
        }

        /// The engine's own migrations (the jobs tables); always the first line.
        public static var engine: Line {
            Line(name: "engine", directory: Bundle.module.url(forResource: "Migrations", withExtension: nil)!)
        }
    }

    public struct Migration: Sendable, Equatable {
        public let line: String
        public let version: Int
        public let name: String
        public let url: URL

        /// `line/name`, e.g. `engine/0001_jobs`.
        public var qualifiedName: String { "\(line)/\(name)" }
        /// The name without its number: what stays when files are renumbered.
        var stem: Substring { Self.stem(of: name) }

        static func stem(of name: String) -> Substring { name.drop { $0.isNumber }.drop { $0 == "_" } }
    }

    let client: PostgresClient
    let lines: [Line]
    let logger: Logger

    /// `lines` after the engine's, in the order they build on each other.
    public init(client: PostgresClient, lines: [Line] = [], logger: Logger) {
        self.client = client
        self.lines = [.engine] + lines.filter { $0.name != Line.engine.name }
        self.logger = logger
    }

    /// All migrations found, line by line and by number within a line; two files with one number in
    /// a line, or one name in two lines, are an error.
    public func migrations() throws -> [Migration] {
        var all: [Migration] = []
        var stems = Set<Substring>()
        for line in lines {
            var byVersion: [Int: Migration] = [:]
            let files = try FileManager.default.contentsOfDirectory(at: line.directory, includingPropertiesForKeys: nil)
            for file in files where file.pathExtension == "sql" {
                let name = file.deletingPathExtension().lastPathComponent
                guard let prefix = name.split(separator: "_").first, let version = Int(prefix) else {
                    throw QueueError(.migrationFailed, "migration \(file.lastPathComponent) does not start with a number")
                }
                if let other = byVersion[version] {
                    throw QueueError(.migrationFailed, "migrations \(other.name) and \(name) of \(line.name) share number \(version)")
                }
                let migration = Migration(line: line.name, version: version, name: name, url: file)
                guard stems.insert(migration.stem).inserted else {
                    throw QueueError(.migrationFailed, "two migrations are named \(migration.stem)")
                }
                byVersion[version] = migration
            }
            all += byVersion.values.sorted { $0.version < $1.version }
        }
        return all
    }

    /// Applies what is missing; returns the qualified names applied by this call.
    @discardableResult
    public func migrate() async throws -> [String] {
        let all = try migrations()
        let logger = self.logger
        return try await client.transaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    line       text        NOT NULL,
                    version    integer     NOT NULL,
                    name       text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (line, version)
                )
                """, logger: logger)
            try await Self.recordLinesOfASingleSequence(on: connection, logger: logger)
            var applied = Set<String>()
            var retired: [Substring: Int] = [:]
            let rows = try await connection.query("SELECT line, version, name FROM schema_migrations", logger: logger)
            for try await (line, version, name) in rows.decode((String, Int, String).self) {
                applied.insert("\(line)/\(version)")
                if line == Self.retired { retired[Migration.stem(of: name)] = version }
            }
            var names: [String] = []
            for migration in all where !applied.contains("\(migration.line)/\(migration.version)") {
                // Applied under another number before the lines were split: the record moves, nothing runs.
                if let version = retired[migration.stem] {
                    try await connection.query("""
                        UPDATE schema_migrations SET line = \(migration.line), version = \(migration.version), name = \(migration.name)
                        WHERE line = \(Self.retired) AND version = \(version)
                        """, logger: logger)
                    continue
                }
                let sql = try String(contentsOf: migration.url, encoding: .utf8)
                do {
                    for statement in SQLScript.statements(sql) {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                } catch {
                    logger.error("migration failed", metadata: ["migration": "\(migration.qualifiedName)", "error": "\(logDescription(error))"])
                    throw QueueError(.migrationFailed, "migration \(migration.qualifiedName) failed; see the log")
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (line, version, name) VALUES (\(migration.line), \(migration.version), \(migration.name))",
                    logger: logger)
                logger.info("migration applied", metadata: ["migration": "\(migration.qualifiedName)"])
                names.append(migration.qualifiedName)
            }
            return names
        }
    }

    /// A database migrated when all files shared one numbered sequence has `schema_migrations`
    /// without lines: its records move to the line `retired`, where `migrate` finds them by name.
    static func recordLinesOfASingleSequence(on connection: PostgresConnection, logger: Logger) async throws {
        let columns = try await connection.query("""
            SELECT count(*)::int FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = 'schema_migrations' AND column_name = 'line'
            """, logger: logger)
        for try await count in columns.decode(Int.self) where count == 1 { return }
        try await connection.query("ALTER TABLE schema_migrations DROP CONSTRAINT schema_migrations_pkey", logger: logger)
        try await connection.query("ALTER TABLE schema_migrations ADD COLUMN line text NOT NULL DEFAULT 'retired'", logger: logger)
        try await connection.query("ALTER TABLE schema_migrations ALTER COLUMN line DROP DEFAULT", logger: logger)
        try await connection.query("ALTER TABLE schema_migrations ADD PRIMARY KEY (line, version)", logger: logger)
        logger.notice("migration records of the single sequence moved aside to be adopted by their lines")
    }

    /// The line of records whose file no line has claimed (yet).
    static let retired = "retired"

    static let lockKey: Int64 = 0x5150_4D49_4752
}
