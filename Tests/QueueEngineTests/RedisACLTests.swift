import Foundation
import QueueEngine
import ServerSupport
import Testing
import TestSupport

/// `REDIS_URL` with an ACL user (`redis://user:password@host`), against a Redis of the test's own
/// whose `default` user is off.
@Suite(.timeLimit(.minutes(1))) struct RedisACLTests {
    static func configuration(_ url: String) throws -> RedisConfiguration? {
        try RedisConfiguration.from(Environment(["REDIS_URL": url]))
    }

    @Test func theURLNamesAnACLUser() throws {
        let acl = try #require(try Self.configuration("redis://alice:s3cret@cache.internal:6380"))
        #expect(acl.username == "alice" && acl.password == "s3cret" && acl.host == "cache.internal" && acl.port == 6380)
        let legacy = try #require(try Self.configuration("redis://:s3cret@cache.internal"))
        #expect(legacy.username == nil && legacy.password == "s3cret" && legacy.port == 6379)
        #expect(throws: ConfigurationError.self) { try Self.configuration("redis://alice@cache.internal") }
        #expect(try Self.configuration("none") == nil)
    }

    @Test func anACLUserAuthenticatesAndAWrongPasswordIsRefused() async throws {
        let redis = try PrivateRedis(arguments: ["--user", "default", "off", "--user", "alice", "on", ">s3cret", "~*", "&*", "+@all"])
        defer { Task { await redis.kill() } }
        let url = "redis://alice:s3cret@127.0.0.1:\(redis.port)"
        let deadline = ContinuousClock.now + .seconds(10)
        var connection: RedisConnection?
        while connection == nil {
            connection = try? RedisConnection(configuration: try #require(try Self.configuration(url)), connectTimeout: .seconds(1),
                                              readTimeout: .seconds(5))
            if connection == nil {
                try #require(ContinuousClock.now < deadline, "the private Redis never answered")
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        let reply = try #require(connection).command(["PING"])
        #expect("\(reply)".contains("PONG"), "\(reply)")
        #expect(throws: RedisConnection.Failure.self, "a wrong password") {
            _ = try RedisConnection(configuration: try #require(try Self.configuration("redis://alice:wrong@127.0.0.1:\(redis.port)")),
                                    connectTimeout: .seconds(1), readTimeout: .seconds(5))
        }
        let anonymous = try RedisConnection(configuration: RedisConfiguration(host: "127.0.0.1", port: redis.port), connectTimeout: .seconds(1),
                                            readTimeout: .seconds(5))
        #expect("\(try anonymous.command(["PING"]))".contains("NOAUTH"), "the default user is off")
    }
}
