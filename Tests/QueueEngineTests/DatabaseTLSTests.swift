import Foundation
import Logging
import NIOSSL
import PostgresNIO
import QueueEngine
import ServerSupport
import Testing
import TestSupport

/// `DATABASE_URL`'s `sslmode` and `sslrootcert`, read as libpq reads them, against a PostgreSQL of the
/// test's own that serves TLS with a certificate of a test authority.
@Suite(.timeLimit(.minutes(2))) struct DatabaseTLSTests {
    static func configuration(_ url: String) throws -> DatabaseConfiguration {
        try DatabaseConfiguration(environment: Environment(["DATABASE_URL": url]))
    }

    @Test func sslModeIsReadAsLibpqReadsIt() throws {
        #expect(try Self.configuration("postgres://u@db/app").tlsMode == .prefer, "libpq's default")
        #expect(try Self.configuration("postgres://u@db/app?sslmode=disable").tlsConfiguration == nil)
        #expect(try Self.configuration("postgres://u@db/app?sslmode=allow").tlsMode == .prefer)
        let full = try Self.configuration("postgres://u@db/app?sslmode=verify-full")
        #expect(full.tlsMode == .verifyFull && full.tlsConfiguration?.certificateVerification == .fullVerification)
        let required = try Self.configuration("postgres://u@db/app?sslmode=require")
        #expect(required.tlsConfiguration?.certificateVerification == CertificateVerification.none)
        #expect(throws: ConfigurationError.self) { try Self.configuration("postgres://u@db/app?sslmode=sometimes") }
        #expect(throws: ConfigurationError.self) {
            try Self.configuration("postgres://u@db/app?sslmode=verify-full&sslrootcert=/nonexistent.pem")
        }
        #expect(throws: ConfigurationError.self) { try Self.configuration("postgres://u@db/app?connect_timeout=3") }
    }

    /// `ssl` of this session, as the server sees it.
    static func usesTLS(_ url: String) async throws -> Bool {
        let connection = try await configuration(url).connect(logger: Logger(label: "tls-test"))
        defer { Task { try? await connection.close() } }
        let rows = try await connection.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", logger: Logger(label: "tls-test"))
        for try await ssl in rows.decode(Bool.self) { return ssl }
        return false
    }

    @Test func verifyFullConnectsOverTLSAndAWrongAuthorityIsRefused() async throws {
        let postgres = try await PrivatePostgres.start()
        defer { Task { await postgres.destroy() } }
        let certificates = try await TestCertificates.make(in: postgres.stateDirectory.appendingPathComponent("tls"))
        let folder = certificates.folder
        let path = certificates.path
        // The server reads its key as the postgres user, and only a key no one else can read.
        _ = try await ChildProcess.run("/bin/sh", ["-c", "chown -R postgres:postgres '\(folder.path)' && chmod 600 '\(path("server.key"))'"],
                                   environment: [:])
        let plain = "postgres://postgres@127.0.0.1:\(postgres.port)/voicepartner"
        let setup = try await Self.configuration(plain + "?sslmode=disable").connect(logger: Logger(label: "tls-test"))
        for statement in ["ALTER SYSTEM SET ssl_cert_file = '\(path("server.crt"))'", "ALTER SYSTEM SET ssl_key_file = '\(path("server.key"))'",
                          "ALTER SYSTEM SET ssl = on", "SELECT pg_reload_conf()"] {
            _ = try await setup.query(PostgresQuery(unsafeSQL: statement), logger: Logger(label: "tls-test"))
        }
        try await setup.close()

        let deadline = ContinuousClock.now + .seconds(20)
        while try await !Self.usesTLS(plain + "?sslmode=require") {
            try #require(ContinuousClock.now < deadline, "the server never began to serve TLS")
            try await Task.sleep(for: .milliseconds(100))
        }
        let byName = "postgres://postgres@localhost:\(postgres.port)/voicepartner?sslrootcert=\(path("ca.crt"))&sslmode="
        #expect(try await Self.usesTLS(byName + "verify-full"))
        #expect(try await !Self.usesTLS(plain + "?sslmode=disable"))
        await #expect(throws: (any Error).self, "a certificate of another authority is refused") {
            _ = try await Self.usesTLS("postgres://postgres@localhost:\(postgres.port)/voicepartner?sslmode=verify-full&sslrootcert="
                                       + path("other-ca.crt"))
        }
        // The certificate names localhost only: reached as 127.0.0.1 it is the authority's, but not the host's.
        let byAddress = plain + "?sslrootcert=\(path("ca.crt"))&sslmode="
        #expect(try await Self.usesTLS(byAddress + "verify-ca"))
        await #expect(throws: (any Error).self, "a certificate that names another host is refused") {
            _ = try await Self.usesTLS(byAddress + "verify-full")
        }

        // A process's pool is made only after one connection proved the settings: a refused certificate
        // stops it at startup, named, where a pool would retry in silence.
        let logger = Logger(label: "tls-test")
        let wrongAuthority = "postgres://postgres@localhost:\(postgres.port)/voicepartner?sslmode=verify-full&sslrootcert=" + path("other-ca.crt")
        for (url, says) in [(wrongAuthority, "sslrootcert=\(path("other-ca.crt"))"), (byAddress + "verify-full", "sslmode=verify-full")] {
            do {
                let client = try await Self.configuration(url).makeClient(logger: logger)
                Issue.record("\(url) made a pool: \(client)")
            } catch let error as ConfigurationError {
                #expect(error.variable == "DATABASE_URL" && error.message.contains("TLS with PostgreSQL") && error.message.contains(says),
                        "\(error)")
            }
        }
        let client = try await Self.configuration(byName + "verify-full").makeClient(logger: logger)
        let ssl = try await client.whileRunning {
            try await client.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", logger: logger).collect().first?.decode(Bool.self)
        }
        #expect(ssl == true, "the pool of the proved settings speaks TLS")
        // A server that does not answer yet is not a wrong setting: the pool is made and keeps trying.
        let unreachable = "postgres://postgres@localhost:\(try ChildProcess.freePort())/voicepartner?sslmode=verify-full&sslrootcert="
            + path("ca.crt")
        _ = try await Self.configuration(unreachable).makeClient(logger: logger)
    }
}
