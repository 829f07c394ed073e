import Foundation
import Jobs
import Platform
import Providers
import Testing
import TestSupport

/// A real SMTP server (aiosmtpd, `Tests/Tools/smtp_sink.py`) in a child process, with STARTTLS and
/// AUTH when asked. `deliveries` reads what it accepted: one entry per recipient.
final class SMTPSink: @unchecked Sendable {
    struct Delivery: Decodable {
        let from: String
        let to: String
        let subject: String
        let messageID: String
        let data: String

        enum CodingKeys: String, CodingKey {
            case from, to, subject, data
            case messageID = "message_id"
        }

        /// The decoded text part (the renderer sends base64 parts).
        var text: String {
            guard let start = data.range(of: "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"),
                  let end = data.range(of: "\r\n--", range: start.upperBound..<data.endIndex),
                  let decoded = Data(base64Encoded: data[start.upperBound..<end.lowerBound].replacingOccurrences(of: "\r\n", with: ""))
            else { return "" }
            return String(decoding: decoded, as: UTF8.self)
        }
    }

    static let username = "mailer"
    static let password = "sink password"

    private(set) var port = 0
    let folder: URL
    private let process: ChildProcess

    var out: URL { folder.appendingPathComponent("deliveries.jsonl") }
    var portFile: URL { folder.appendingPathComponent("port") }
    var certificate: URL { folder.appendingPathComponent("cert.pem") }

    /// Starts a sink and waits for its port. The wait polls a file with `Task.sleep`: a blocking
    /// read of the server's output would hold a cooperative thread (of two, on a small machine) for
    /// as long as Python takes to start, and stall every other test of the process meanwhile.
    static func start(tls: Bool = true, auth: Bool = true) async throws -> SMTPSink {
        let sink = try SMTPSink(tls: tls, auth: auth)
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOf: sink.portFile, encoding: .utf8)) ?? ""
            if text.hasSuffix("\n") {
                guard text.hasPrefix("PORT="), let port = Int(text.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines)) else {
                    throw SinkError("unexpected first line from the SMTP sink: \(text)")
                }
                sink.port = port
                return sink
            }
            guard sink.process.isRunning else { throw SinkError("the SMTP sink exited before listening") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw SinkError("the SMTP sink did not listen within a minute")
    }

    private init(tls: Bool, auth: Bool) throws {
        let python = try #require(ProcessInfo.processInfo.environment["VPAI_PYTHON"], "run through scripts/test.sh (aiosmtpd)")
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-sink-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var arguments = ["Tests/Tools/smtp_sink.py", "--out", folder.appendingPathComponent("deliveries.jsonl").path]
        if tls { arguments += ["--tls", folder.appendingPathComponent("cert.pem").path] }
        if auth { arguments += ["--auth", "\(Self.username):\(Self.password)"] }
        // Standard output holds the port line alone.
        process = try ChildProcess(python, arguments, output: folder.appendingPathComponent("port"), discardErrors: true)
    }

    /// Ends the server at once (SIGKILL: it keeps nothing unwritten).
    func stop() async {
        await process.kill()
    }

    var deliveries: [Delivery] {
        guard let text = try? String(contentsOf: out, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Delivery.self, from: Data($0.utf8)) }
    }

    /// A client configuration for this sink: STARTTLS trusting its certificate, with its account.
    func configuration(security: SMTPConfiguration.Security = .starttls, password: String = SMTPSink.password) -> SMTPConfiguration {
        SMTPConfiguration(host: "127.0.0.1", port: port, security: security, username: Self.username, password: password,
                          caFile: certificate.path, timeout: .seconds(10))
    }

    struct SinkError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
