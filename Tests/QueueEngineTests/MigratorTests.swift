import Foundation
import PostgresNIO
@testable import QueueEngine
import Testing
import TestSupport

@Suite(.timeLimit(.minutes(5))) struct MigratorTests {
    @Test func migrationsAreNumberedAndOrdered() async throws {
        try await TestHarness.with { harness in
            let migrations = try Migrator(client: harness.client, logger: harness.logger).migrations()
            #expect(migrations.first?.name == "0001_jobs")
            #expect(migrations.map(\.version) == migrations.map(\.version).sorted())
        }
    }

    @Test func concurrentMigrationsApplyEachFileOnce() async throws {
        try await TestHarness.with { harness in
            // A fresh schema of its own: every process starting at once must apply each file exactly once.
            let schema = "m_\(UUID().uuidString.prefix(8).lowercased())"
            try await harness.client.query("CREATE SCHEMA \(unescaped: schema)", logger: harness.logger)
            var configuration = try TestHarness.databaseConfiguration.clientConfiguration
            configuration.options.additionalStartupParameters = [("search_path", schema)]
            let client = PostgresClient(configuration: configuration, backgroundLogger: harness.logger)
            let applied = try await client.whileRunning {
                try await withThrowingTaskGroup(of: [String].self) { group in
                    for _ in 0..<4 { group.addTask { try await Migrator(client: client, logger: harness.logger).migrate() } }
                    return try await group.reduce(into: []) { $0 += $1 }
                }
            }
            let files = try Migrator(client: client, logger: harness.logger).migrations().map(\.qualifiedName)
            #expect(applied.sorted() == files, "each file applied by exactly one of the four")
            let rows = try await harness.client.query(
                "SELECT count(*) FROM \(unescaped: schema).schema_migrations", logger: harness.logger)
            for try await count in rows.decode(Int.self) { #expect(count == files.count) }
            try await harness.client.query("DROP SCHEMA \(unescaped: schema) CASCADE", logger: harness.logger)
        }
    }

    /// A database migrated when the engine's and the platform's files shared one sequence moves its
    /// records to the lines the files have now: nothing runs twice, the new file runs, a record whose
    /// file is gone is kept aside.
    @Test func recordsOfOneSequenceMoveToTheirLinesAndNothingRunsTwice() async throws {
        try await TestHarness.with { harness in
            let schema = "m_\(UUID().uuidString.prefix(8).lowercased())"
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(schema, isDirectory: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            // Applied long ago as 0003 (recorded); running it again would fail on the existing table.
            try "CREATE TABLE accounts_probe (x int);".write(to: folder.appendingPathComponent("0001_accounts_probe.sql"), atomically: true,
                                                             encoding: .utf8)
            try "CREATE TABLE new_probe (x int);".write(to: folder.appendingPathComponent("0002_new_probe.sql"), atomically: true, encoding: .utf8)
            try await harness.client.query("CREATE SCHEMA \(unescaped: schema)", logger: harness.logger)
            try await harness.client.query("""
                CREATE TABLE \(unescaped: schema).schema_migrations (
                    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
                """, logger: harness.logger)
            try await harness.client.query("""
                INSERT INTO \(unescaped: schema).schema_migrations (version, name) VALUES
                    (1, '0001_jobs'), (2, '0002_schedule'), (3, '0003_accounts_probe'), (16, '0016_queue_stats'),
                    (17, '0017_queue_workers'), (99, '0099_gone')
                """, logger: harness.logger)
            try await harness.client.query("CREATE TABLE \(unescaped: schema).accounts_probe (x int)", logger: harness.logger)
            var configuration = try TestHarness.databaseConfiguration.clientConfiguration
            configuration.options.additionalStartupParameters = [("search_path", schema)]
            let client = PostgresClient(configuration: configuration, backgroundLogger: harness.logger)
            // An engine-only migrator (another process, an older tool) first: it leaves the records it
            // does not know for the line that later claims them, and applies the engine's files added since.
            let engineOnly = Migrator(client: client, logger: harness.logger)
            let engineFiles = try engineOnly.migrations()
            let migrator = Migrator(client: client, lines: [Migrator.Line(name: "probe", directory: folder)], logger: harness.logger)
            let (engine, first, second) = try await client.whileRunning {
                // The tables of the engine's first four files, as that database has them.
                try await client.withConnection { connection in
                    for file in engineFiles where file.version <= 4 {
                        for statement in SQLScript.statements(try String(contentsOf: file.url, encoding: .utf8)) {
                            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: harness.logger)
                        }
                    }
                }
                return (try await engineOnly.migrate(), try await migrator.migrate(), try await migrator.migrate())
            }
            let later = engineFiles.filter { $0.version > 4 }
            #expect(engine == later.map(\.qualifiedName))
            #expect(first == ["probe/0002_new_probe"])
            #expect(second.isEmpty)
            var records: [String] = []
            let rows = try await harness.client.query(
                "SELECT line, version, name FROM \(unescaped: schema).schema_migrations ORDER BY 1, 2", logger: harness.logger)
            for try await (line, version, name) in rows.decode((String, Int, String).self) { records.append("\(line) \(version) \(name)") }
            #expect(records == ["engine 1 0001_jobs", "engine 2 0002_schedule", "engine 3 0003_queue_stats", "engine 4 0004_queue_workers"]
                + later.map { "engine \($0.version) \($0.name)" }
                + ["probe 1 0001_accounts_probe", "probe 2 0002_new_probe", "retired 99 0099_gone"])
            try await harness.client.query("DROP SCHEMA \(unescaped: schema) CASCADE", logger: harness.logger)
        }
    }

    @Test func scriptSplitterKeepsQuotedSemicolons() {
        let statements = SQLScript.statements("""
            -- a comment; with a semicolon
            CREATE TABLE a (x text DEFAULT ';');
            CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;
            /* block; comment */ SELECT "odd;name" FROM a
            """)
        #expect(statements.count == 3)
        #expect(statements[0] == "CREATE TABLE a (x text DEFAULT ';')")
        #expect(statements[1].contains("$$ SELECT 1; $$"))
        #expect(statements[2].hasSuffix("SELECT \"odd;name\" FROM a"))
    }
}
