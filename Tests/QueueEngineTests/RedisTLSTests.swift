import Foundation
import Logging
import QueueEngine
import ServerSupport
import Testing
import TestSupport

/// `rediss://` against a Redis of the test's own that serves TLS only, with a certificate of a test
/// authority: verified connections work, the wake-ups travel over them, and a wrong authority, a
/// wrong name, plain TCP and a missing client certificate are each refused.
@Suite(.timeLimit(.minutes(2))) struct RedisTLSTests {
    static func configuration(_ url: String) throws -> RedisConfiguration {
        try #require(try RedisConfiguration.from(Environment(["REDIS_URL": url])))
    }

    static func connect(_ url: String) throws -> RedisConnection {
        try RedisConnection(configuration: try configuration(url), connectTimeout: .seconds(2), readTimeout: .seconds(5))
    }

    static func ping(_ url: String) throws -> RedisConnection.Reply {
        try connect(url).command(["PING"])
    }

    static func temporaryCertificates() async throws -> TestCertificates {
        try await TestCertificates.make(in: FileManager.default.temporaryDirectory.appendingPathComponent("redis-tls-\(UUID().uuidString)"))
    }

    @Test func tlsSettingsAreReadFromTheURL() async throws {
        let certificates = try await Self.temporaryCertificates()
        defer { try? FileManager.default.removeItem(at: certificates.folder) }
        let readable = certificates.path("ca.crt")
        let full = try Self.configuration("rediss://alice:pw@cache.internal:6380?ssl_ca_certs=\(readable)")
        #expect(full.tls == RedisConfiguration.TLS(verification: .full, authorityFile: readable))
        #expect(try Self.configuration("rediss://cache.internal?ssl_check_hostname=False").tls?.verification == .authority, "as redis-py reads it")
        let client = "rediss://cache.internal?ssl_certfile=\(certificates.path("client.crt"))&ssl_keyfile=\(certificates.path("client.key"))"
        #expect(try Self.configuration(client).tls?.keyFile == certificates.path("client.key"))
        try "not a certificate".write(toFile: certificates.path("junk.pem"), atomically: true, encoding: .utf8)
        #expect(full.username == "alice" && full.port == 6380)
        #expect(try Self.configuration("rediss://cache.internal").tls?.verification == .full, "verified by default")
        #expect(try Self.configuration("rediss://cache.internal?ssl_check_hostname=false").tls?.verification == .authority)
        #expect(try Self.configuration("rediss://cache.internal?ssl_cert_reqs=none").tls?.verification == RedisConfiguration.TLS.Verification.none)
        #expect(try Self.configuration("redis://cache.internal").tls == nil)
        for refused in ["redis://cache.internal?ssl_ca_certs=\(readable)", "rediss://cache.internal?sslmode=require",
                        "rediss://cache.internal?ssl_ca_certs=/nonexistent.pem", "rediss://cache.internal?ssl_cert_reqs=sometimes",
                        "rediss://cache.internal?ssl_check_hostname=maybe", "rediss://cache.internal?ssl_certfile=\(readable)",
                        "rediss://cache.internal?ssl_ca_certs=\(certificates.path("junk.pem"))",
                        "rediss://cache.internal?ssl_certfile=\(certificates.path("client.crt"))&ssl_keyfile=\(certificates.path("server.key"))",
                        "http://cache.internal"] {
            #expect(throws: ConfigurationError.self, "\(refused)") { try Self.configuration(refused) }
        }
    }

    /// A TLS-only server (`clientCertificates`: its `tls-auth-clients`); waits until it answers.
    static func start(_ certificates: TestCertificates, clientCertificates: String) async throws -> PrivateRedis {
        let redis = try PrivateRedis(arguments: ["--tls-cert-file", certificates.path("server.crt"), "--tls-key-file",
                                                 certificates.path("server.key"), "--tls-ca-cert-file", certificates.path("ca.crt"),
                                                 "--tls-auth-clients", clientCertificates], tls: true)
        let url = "rediss://localhost:\(redis.port)?ssl_ca_certs=\(certificates.path("ca.crt"))&ssl_certfile=\(certificates.path("client.crt"))"
            + "&ssl_keyfile=\(certificates.path("client.key"))"
        try await expectEventually(timeout: .seconds(10)) { (try? Self.ping(url)) == .status("PONG") }
        return redis
    }

    @Test func verifiedTLSCarriesCommandsAndWakeupsAndEveryWrongPartyIsRefused() async throws {
        let certificates = try await Self.temporaryCertificates()
        defer { try? FileManager.default.removeItem(at: certificates.folder) }
        let redis = try await Self.start(certificates, clientCertificates: "optional")
        defer { Task { await redis.kill() } }
        let byName = "rediss://localhost:\(redis.port)?ssl_ca_certs="
        #expect(try Self.ping(byName + certificates.path("ca.crt")) == .status("PONG"))

        do {
            _ = try Self.connect(byName + certificates.path("other-ca.crt"))
            Issue.record("a certificate of another authority was accepted")
        } catch let error as RedisConnection.Failure {
            #expect("\(error)".contains("TLS with localhost:\(redis.port) failed"), "the error says what failed: \(error)")
        }
        let byAddress = "rediss://127.0.0.1:\(redis.port)?ssl_ca_certs=\(certificates.path("ca.crt"))"
        #expect(throws: RedisConnection.Failure.self, "the certificate names localhost, not 127.0.0.1") { try Self.connect(byAddress) }
        #expect(try Self.ping(byAddress + "&ssl_check_hostname=false") == .status("PONG"))
        #expect(try Self.ping("rediss://127.0.0.1:\(redis.port)?ssl_cert_reqs=none") == .status("PONG"), "unverified, as asked")
        #expect(throws: RedisConnection.Failure.self, "plain TCP to the TLS port gets no reply") {
            try RedisConnection(configuration: Self.configuration("redis://localhost:\(redis.port)"), connectTimeout: .seconds(2),
                                readTimeout: .seconds(2)).command(["PING"])
        }

        // The wake-up path end to end over TLS: a publish reaches a live subscription.
        let configuration = try Self.configuration(byName + certificates.path("ca.crt"))
        let subscriber = WakeupSubscriber(configuration: configuration, logger: Logger(label: "redis-tls-test"))
        let publisher = WakeupPublisher(configuration: configuration, logger: Logger(label: "redis-tls-test"))
        subscriber.start()
        publisher.start()
        defer { subscriber.stop(); publisher.stop() }
        let queue = "tls-\(UUID().uuidString)"
        let woken = Task {
            for await event in subscriber.events {
                if event == .subscribed { publisher.notify(queues: [queue]) }
                if event == .wake(queue: queue) { return true }
            }
            return false
        }
        #expect(await woken.value, "the wake-up crossed TLS")
    }

    /// `start` itself proves a connection with the client certificate gets in.
    @Test func aServerThatAsksForAClientCertificateGetsOne() async throws {
        let certificates = try await Self.temporaryCertificates()
        defer { try? FileManager.default.removeItem(at: certificates.folder) }
        let redis = try await Self.start(certificates, clientCertificates: "yes")
        defer { Task { await redis.kill() } }
        #expect(throws: RedisConnection.Failure.self, "no client certificate") {
            try Self.ping("rediss://localhost:\(redis.port)?ssl_ca_certs=\(certificates.path("ca.crt"))")
        }
    }
}
