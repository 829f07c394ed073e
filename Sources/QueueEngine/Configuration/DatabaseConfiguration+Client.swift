import Logging
import PostgresNIO
import ServerSupport

extension DatabaseConfiguration {
    /// The pool of a process, after one direct connection has proved the TLS settings: a pool would
    /// retry a refused certificate for ever with nothing said, so a process with a wrong `sslrootcert`,
    /// a certificate naming another host or `require` against a server without TLS stops at startup
    /// saying which. A server that is only not reachable yet, or a connection that ended mid-handshake,
    /// is left to the pool's retries.
    public func makeClient(logger: Logger) async throws -> PostgresClient {
        // Unverified `prefer` (the default) cannot be refused for its certificate: nothing to prove.
        if tlsMode != .disable && (tlsMode != .prefer || rootCertificate != nil) {
            do {
                try await connect(logger: logger).close()
            } catch {
                if let refusal = Self.tlsRefusal(in: error) {
                    throw ConfigurationError("DATABASE_URL", "TLS with PostgreSQL at \(host):\(port) failed under sslmode=\(tlsMode.rawValue)"
                                             + (rootCertificate.map { " with sslrootcert=\($0)" } ?? " with the system's authorities")
                                             + ": \(refusal)")
                }
                logger.warning("PostgreSQL is not reachable yet; the pool keeps trying", metadata: ["error": "\(String(reflecting: error))"])
            }
        }
        return PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
    }

    /// The refusal of the TLS settings inside `error` (PostgresNIO wraps it), described without the
    /// wrapping connection error's noise; nil when the error is something else.
    static func tlsRefusal(in error: any Error) -> String? {
        if let postgres = error as? PSQLError {
            if postgres.code == .sslUnsupported { return "the server does not offer TLS" }
            return postgres.underlying.flatMap(tlsRefusal(in:))
        }
        return TLSRefusal.isSettingsProblem(error) ? String(reflecting: error) : nil
    }
}
