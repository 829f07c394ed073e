import Foundation
import Logging
import NIOSSL
import PostgresNIO
import ServerSupport

/// The PostgreSQL connection of a process, from `DATABASE_URL` (with libpq's `sslmode` and
/// `sslrootcert`), `DATABASE_POOL_SIZE` and `DATABASE_REPLY_TIMEOUT_MS`.
public struct DatabaseConfiguration: Sendable {
    /// libpq's `sslmode`: whether the connection uses TLS and what it verifies.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Never TLS.
        case disable
        /// TLS when the server offers it, unverified (libpq's default); `allow` reads as this.
        case prefer
        /// TLS or no connection, unverified (verified against `sslrootcert` when one is given, as libpq does).
        case require
        /// TLS, the server's certificate signed by a trusted authority.
        case verifyCA = "verify-ca"
        /// TLS, the certificate signed by a trusted authority and naming the host connected to.
        case verifyFull = "verify-full"
    }

    public static let defaultURL = "postgres://postgres@127.0.0.1:54329/voicepartner"
    public static let defaultPoolSize = 10
    /// For the pool's connections and the startup check's alike.
    static let connectTimeoutSeconds: Int64 = 5

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tlsMode: TLSMode
    /// The authorities a verifying mode trusts (PEM, `sslrootcert`); the system's when nil.
    public var rootCertificate: String?
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
        let query = url.queryItems ?? []
        let mode = query.last { $0.name == "sslmode" }?.value ?? "prefer"
        guard let tlsMode = mode == "allow" ? .prefer : TLSMode(rawValue: mode) else {
            throw ConfigurationError("DATABASE_URL", "sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full")
        }
        self.tlsMode = tlsMode
        self.rootCertificate = query.last { $0.name == "sslrootcert" }?.value.flatMap { $0.isEmpty ? nil : $0 }
        if let rootCertificate, !FileManager.default.isReadableFile(atPath: rootCertificate) {
            throw ConfigurationError("DATABASE_URL", "sslrootcert \(rootCertificate) cannot be read")
        }
        if let unknown = query.first(where: { !["sslmode", "sslrootcert"].contains($0.name) }) {
            throw ConfigurationError("DATABASE_URL", "unknown parameter \(unknown.name) (sslmode and sslrootcert are read)")
        }
        self.poolSize = try environment.int("DATABASE_POOL_SIZE", default: Self.defaultPoolSize, range: 1...1000)
        self.replyTimeout = .milliseconds(try environment.int(
            "DATABASE_REPLY_TIMEOUT_MS", default: Int(JobStore.defaultReplyTimeout.seconds * 1000), range: 0...3_600_000))
    }

    /// The TLS of `tlsMode` (nil: none): verifying modes trust `rootCertificate`, or the system's authorities.
    public var tlsConfiguration: TLSConfiguration? {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch tlsMode {
        case .disable:
            return nil
        case .prefer, .require:
            tls.certificateVerification = rootCertificate == nil ? .none : .noHostnameVerification
        case .verifyCA:
            tls.certificateVerification = .noHostnameVerification
        case .verifyFull:
            tls.certificateVerification = .fullVerification
        }
        if let rootCertificate { tls.trustRoots = .file(rootCertificate) }
        return tls
    }

    /// One connection outside any pool, with the same TLS: fails at once (a wrong authority, a server
    /// without TLS under `require`) where a pool would keep trying.
    public func connect(logger: Logger) async throws -> PostgresConnection {
        var tls = PostgresConnection.Configuration.TLS.disable
        if let configuration = tlsConfiguration {
            let context = try NIOSSLContext(configuration: configuration)
            tls = tlsMode == .prefer ? .prefer(context) : .require(context)
        }
        var configuration = PostgresConnection.Configuration(host: host, port: port, username: username, password: password,
                                                             database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(Self.connectTimeoutSeconds)
        return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
    }

    public var clientConfiguration: PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database,
            tls: tlsConfiguration.map { tlsMode == .prefer ? .prefer($0) : .require($0) } ?? .disable)
        configuration.options.maximumConnections = poolSize
        configuration.options.connectTimeout = .seconds(Self.connectTimeoutSeconds)
        return configuration
    }
}
