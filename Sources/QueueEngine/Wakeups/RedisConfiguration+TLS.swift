import Foundation
import NIOSSL
import ServerSupport

extension RedisConfiguration {
    /// TLS to Redis (`rediss://`), set by the URL's query parameters, named as redis-py names them:
    /// `ssl_ca_certs` (PEM authorities to trust; the system's when absent), `ssl_cert_reqs`
    /// (`required`, the default, or `none`: no verification at all), `ssl_check_hostname` (`true`,
    /// the default; `false` checks the authority but not the name) and `ssl_certfile` with
    /// `ssl_keyfile` (a client certificate, for servers with `tls-auth-clients yes`).
    public struct TLS: Sendable, Hashable {
        public enum Verification: Sendable, Hashable {
            /// The authority and the host name (or address) the certificate names.
            case full
            /// The authority only.
            case authority
            /// Nothing: encrypted, but open to whoever sits between.
            case none
        }

        public var verification: Verification
        public var authorityFile: String?
        public var certificateFile: String?
        public var keyFile: String?

        public init(verification: Verification = .full, authorityFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil) {
            self.verification = verification
            self.authorityFile = authorityFile
            self.certificateFile = certificateFile
            self.keyFile = keyFile
        }

        static let parameters = ["ssl_ca_certs", "ssl_cert_reqs", "ssl_check_hostname", "ssl_certfile", "ssl_keyfile"]

        init(query: [URLQueryItem]) throws {
            if let unknown = query.first(where: { !Self.parameters.contains($0.name) }) {
                throw ConfigurationError("REDIS_URL", "unknown parameter \(unknown.name) (read: \(Self.parameters.joined(separator: ", ")))")
            }
            func value(_ name: String) -> String? { query.last { $0.name == name }?.value.flatMap { $0.isEmpty ? nil : $0 } }
            func file(_ name: String) throws -> String? {
                guard let path = value(name) else { return nil }
                guard FileManager.default.isReadableFile(atPath: path) else {
                    throw ConfigurationError("REDIS_URL", "\(name) \(path) cannot be read")
                }
                return path
            }
            let checkHostname: Bool
            switch (value("ssl_check_hostname") ?? "true").lowercased() {
            case "true", "1", "yes", "on": checkHostname = true
            case "false", "0", "no", "off": checkHostname = false
            case let other: throw ConfigurationError("REDIS_URL", "ssl_check_hostname must be true or false, not \(other)")
            }
            switch (value("ssl_cert_reqs") ?? "required").lowercased() {
            case "required": verification = checkHostname ? .full : .authority
            case "none": verification = .none
            case let other: throw ConfigurationError("REDIS_URL", "ssl_cert_reqs must be required or none, not \(other)")
            }
            authorityFile = try file("ssl_ca_certs")
            certificateFile = try file("ssl_certfile")
            keyFile = try file("ssl_keyfile")
            guard (certificateFile == nil) == (keyFile == nil) else {
                throw ConfigurationError("REDIS_URL", "ssl_certfile and ssl_keyfile go together")
            }
            // Files that do not load (not PEM, a key that does not fit the certificate) stop the
            // process at startup, not each connection attempt later.
            do {
                _ = try NIOSSLContext(configuration: try configuration())
            } catch {
                throw ConfigurationError("REDIS_URL", "the TLS files do not load: \(error)")
            }
        }

        /// NIOSSL's client configuration for these settings.
        func configuration() throws -> TLSConfiguration {
            var tls = TLSConfiguration.makeClientConfiguration()
            switch verification {
            case .full: tls.certificateVerification = .fullVerification
            case .authority: tls.certificateVerification = .noHostnameVerification
            case .none: tls.certificateVerification = .none
            }
            if let authorityFile { tls.trustRoots = .file(authorityFile) }
            if let certificateFile, let keyFile {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
            }
            return tls
        }
    }
}
