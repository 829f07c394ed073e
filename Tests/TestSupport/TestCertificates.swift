import Foundation

/// Certificates for TLS tests, made with openssl in a folder of the test's own: an authority (`ca`),
/// another one that signed nothing here (`other-ca`), a server certificate for `localhost` and a
/// client certificate, both signed by `ca`. The server's name is `localhost` only, so reaching it as
/// 127.0.0.1 shows whether a client checks names.
public struct TestCertificates: Sendable {
    public let folder: URL

    public func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    public static func make(in folder: URL) async throws -> TestCertificates {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let made = TestCertificates(folder: folder)
        func openssl(_ arguments: [String]) async throws { _ = try await ChildProcess.run("/usr/bin/openssl", arguments, environment: [:]) }
        for authority in ["ca", "other-ca"] {
            try await openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=\(authority)",
                               "-keyout", made.path("\(authority).key"), "-out", made.path("\(authority).crt")])
        }
        try "subjectAltName=DNS:localhost\n".write(toFile: made.path("server.ext"), atomically: true, encoding: .utf8)
        try "extendedKeyUsage=clientAuth\n".write(toFile: made.path("client.ext"), atomically: true, encoding: .utf8)
        for (name, subject) in [("server", "/CN=localhost"), ("client", "/CN=test-client")] {
            try await openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", made.path("\(name).key"),
                               "-out", made.path("\(name).csr")])
            try await openssl(["x509", "-req", "-in", made.path("\(name).csr"), "-CA", made.path("ca.crt"), "-CAkey", made.path("ca.key"),
                               "-CAcreateserial", "-days", "2", "-extfile", made.path("\(name).ext"), "-out", made.path("\(name).crt")])
        }
        return made
    }
}
