import Foundation
import PostgresNIO
@testable import QueueEngine
import Testing

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
            let files = try Migrator(client: client, logger: harness.logger).migrations().map(\.name)
            #expect(applied.sorted() == files, "each file applied by exactly one of the four")
            let rows = try await harness.client.query(
                "SELECT count(*) FROM \(unescaped: schema).schema_migrations", logger: harness.logger)
            for try await count in rows.decode(Int.self) { #expect(count == files.count) }
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
