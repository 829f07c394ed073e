import Foundation
import Jobs
import Testing

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

    let port: Int
    let folder: URL
    private let process: Process

    var out: URL { folder.appendingPathComponent("deliveries.jsonl") }
    var certificate: URL { folder.appendingPathComponent("cert.pem") }

    init(tls: Bool = true, auth: Bool = true) throws {
        let python = try #require(ProcessInfo.processInfo.environment["VPAI_PYTHON"], "run through scripts/test.sh (aiosmtpd)")
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-sink-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        var arguments = ["Tests/Tools/smtp_sink.py", "--out", folder.appendingPathComponent("deliveries.jsonl").path]
        if tls { arguments += ["--tls", folder.appendingPathComponent("cert.pem").path] }
        if auth { arguments += ["--auth", "\(Self.username):\(Self.password)"] }
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        var line = ""
        while !line.hasSuffix("\n") {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            guard !byte.isEmpty else { throw SinkError("the SMTP sink exited before listening") }
            line += String(decoding: byte, as: UTF8.self)
        }
        guard line.hasPrefix("PORT="), let port = Int(line.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw SinkError("unexpected first line from the SMTP sink: \(line)")
        }
        self.port = port
    }

    deinit { stop() }

    /// Ends the server at once (SIGKILL: it keeps nothing unwritten). Polls rather than
    /// `waitUntilExit`, which can wait for ever when called from a task.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        for _ in 0..<500 where process.isRunning { usleep(10_000) }
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
