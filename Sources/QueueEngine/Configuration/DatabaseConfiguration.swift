import Foundation
import PostgresNIO
import ServerSupport

/// The PostgreSQL connection of a process, from `DATABASE_URL`, `DATABASE_POOL_SIZE` and
/// `DATABASE_REPLY_TIMEOUT_MS`.
public struct DatabaseConfiguration: Sendable {
    public static let defaultURL = "postgres://postgres@127.0.0.1:54329/voicepartner"
    public static let defaultPoolSize = 10

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var poolSize: Int
    /// How long engine statements wait for a reply before giving up and retrying (`ReplyTimeout`);
    /// zero turns the deadline off.
    public var replyTimeout: Duration

    public init(environment: Environment) throws {
        let text = environment.string("DATABASE_URL", default: Self.defaultURL)
        guard let url = URLComponents(string: text), ["postgres", "postgresql"].contains(url.scheme ?? ""),
              let host = url.host, !host.isEmpty
        else {
            throw ConfigurationError("DATABASE_URL", "expected postgres://user[:password]@host[:port]/database")
        }
        self.host = host
        self.port = url.port ?? 5432
        self.username = url.user ?? "postgres"
        self.password = url.password
        let path = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        self.database = path.isEmpty ? "postgres" : path
        self.poolSize = try environment.int("DATABASE_POOL_SIZE", default: Self.defaultPoolSize, range: 1...1000)
        self.replyTimeout = .milliseconds(try environment.int(
            "DATABASE_REPLY_TIMEOUT_MS", default: Int(JobStore.defaultReplyTimeout.seconds * 1000), range: 0...3_600_000))
    }

    public var clientConfiguration: PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: .disable)
        configuration.options.maximumConnections = poolSize
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }
}
