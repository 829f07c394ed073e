import Foundation
import Logging
@testable import ServerSupport
import Testing

/// Log lines as collectors read them: one JSON object per line, or logfmt with quoting where a
/// value needs it; metadata of the logger, of the task and of the call all arrive.
@Suite struct StructuredLogHandlerTests {
    static let metadata: Logger.Metadata = ["job.id": "42", "queue": "calls", "note": "two words \"quoted\"\nnext",
                                            "tags": .array(["a", "b"])]

    @Test func jsonLinesParseWithEveryField() throws {
        let line = StructuredLogHandler.line(format: .json, time: "2026-11-26T03:18:52.123Z", level: .warning, label: "worker",
                                             message: "job failed: \"timeout\"", metadata: Self.metadata)
        #expect(line.hasSuffix("}\n") && line.filter { $0 == "\n" }.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["ts"] as? String == "2026-11-26T03:18:52.123Z")
        #expect(object["level"] as? String == "warning")
        #expect(object["logger"] as? String == "worker")
        #expect(object["msg"] as? String == "job failed: \"timeout\"")
        #expect(object["job.id"] as? String == "42")
        #expect(object["note"] as? String == "two words \"quoted\"\nnext")
        #expect(object["tags"] as? [String] == ["a", "b"])
    }

    @Test func logfmtQuotesOnlyWhatNeedsIt() {
        let line = StructuredLogHandler.line(format: .logfmt, time: "2026-11-26T03:18:52.123Z", level: .info, label: "api",
                                             message: "request served", metadata: Self.metadata)
        #expect(line == "ts=2026-11-26T03:18:52.123Z level=info logger=api msg=\"request served\" job.id=42 "
                + "note=\"two words \\\"quoted\\\"\\nnext\" queue=calls tags=\"[\\\"a\\\",\\\"b\\\"]\"\n")
    }

    @Test func theTimestampIsUTCWithMilliseconds() {
        let stamp = StructuredLogHandler.timestamp()
        #expect(stamp.count == 24 && stamp.hasSuffix("Z") && stamp.dropFirst(10).first == "T", "\(stamp)")
    }

    @Test func theRequestIDFollowsTheTask() {
        #expect(LogContext.metadataProvider.get().isEmpty)
        LogContext.$requestID.withValue("req-1") {
            #expect(LogContext.metadataProvider.get()["request.id"] == "req-1")
        }
    }

    @Test func anUnknownFormatNamesTheVariable() {
        #expect(throws: ConfigurationError.self) { try LogConfiguration.format(Environment(["LOG_FORMAT": "xml"])) }
        #expect((try? LogConfiguration.format(Environment(["LOG_FORMAT": "JSON"]))) == .json)
    }
}
