@testable import API
import Foundation
import HTTPTypes
import Jobs
import Platform
import Providers
import QueueEngine
import Testing

/// Uploads end to end: multipart in, bytes in storage, the row and its extraction job in one
/// transaction, the job's text out; limits and bad input refused with their codes.
@Suite(.timeLimit(.minutes(3))) struct FileTests {
    static func upload(_ api: APIHarness, _ owner: APIHarness.User, _ header: HTTPFields, name: String, type: String, data: Data,
                       extra: [(String, String)] = []) async throws -> APIHarness.Reply {
        var form = MultipartFormData()
        for (field, value) in extra { form.add(name: field, value: value) }
        form.add(name: "file", filename: name, contentType: type, data: data)
        var headers = header
        headers[.contentType] = form.contentType
        return try await api.call(.post, "/api/files", raw: String(decoding: form.encoded, as: UTF8.self), as: owner.bearer, headers: headers)
    }

    static func extract(_ api: APIHarness, _ id: String, limits: ExtractionLimits = ExtractionLimits()) async throws -> JobOutcome {
        let job = ExtractTextHandler(client: api.database, storage: api.services.configuration.providers.storage, limits: limits)
        let context = JobContext(jobID: 3, kind: ExtractTextJob.name, queue: "files", attempt: 1, maxAttempts: 5, workspaceID: nil,
                                 logger: api.logger, progressReporter: { _, _ in })
        return try await job.run(ExtractTextJob.Args(fileID: try #require(UUID(uuidString: id))), context: context)
    }

    static let storage = FileManager.default.temporaryDirectory.appendingPathComponent("files-\(UUID().uuidString)").path

    @Test func anUploadIsStoredExtractedListedAndDeleted() async throws {
        try await APIHarness.with(["STORAGE_DIR": Self.storage, "FILE_MAX_BYTES": "4096"]) { api in
            let owner = try await api.register("files")
            let workspace = try await api.createWorkspace(owner)
            let header = APIHarness.workspaceHeader(workspace)
            let html = Data("<html><body><h1>Prices</h1><script>x()</script><p>Calls &amp; minutes</p></body></html>".utf8)
            let uploaded = try await Self.upload(api, owner, header, name: "prices.html", type: "text/html", data: html)
            #expect(uploaded.status == .accepted, "\(uploaded.body.text)")
            let id = try #require(uploaded["id"]?.string)
            #expect(uploaded["status"]?.string == "uploaded")
            #expect(uploaded["format"]?.string == "html")
            #expect(uploaded["size_bytes"]?.number == Double(html.count))
            #expect(uploaded["job_id"]?.number != nil, "the extraction job was enqueued with the row")
            let stored = "\(Self.storage)/\(workspace.lowercased)/\(id)"
            #expect(FileManager.default.contents(atPath: stored) == html)

            guard case .success = try await Self.extract(api, id) else { Issue.record("extraction failed"); return }
            let file = try await api.call(.get, "/api/files/\(id)", as: owner.bearer, headers: header)
            #expect(file["status"]?.string == "ready")
            #expect(file["text"]?.string == "Prices\nCalls & minutes")
            #expect(file["characters"]?.number == 22)
            let list = try await api.call(.get, "/api/files", as: owner.bearer, headers: header)
            #expect(list["items"]?.array?.compactMap { $0["id"]?.string } == [id])
            #expect(list["items"]?.array?.first?["text"] == nil, "lists leave the text out")

            #expect(try await api.call(.delete, "/api/files/\(id)", as: owner.bearer, headers: header).status == .noContent)
            #expect(!FileManager.default.fileExists(atPath: stored))
            #expect(try await api.call(.get, "/api/files/\(id)", as: owner.bearer, headers: header).status == .notFound)
        }
    }

    @Test func badUploadsAreRefusedAndUnreadableFilesEndFailed() async throws {
        try await APIHarness.with(["STORAGE_DIR": Self.storage, "FILE_MAX_BYTES": "4096"]) { api in
            let owner = try await api.register("badfiles")
            let workspace = try await api.createWorkspace(owner)
            let header = APIHarness.workspaceHeader(workspace)
            let tooBig = try await Self.upload(api, owner, header, name: "big.txt", type: "text/plain", data: Data(repeating: 0x61, count: 5_000))
            #expect(tooBig.status == .contentTooLarge)
            let zip = try await Self.upload(api, owner, header, name: "a.zip", type: "application/zip", data: Data("PK".utf8))
            #expect(zip.status == .unsupportedMediaType)
            let empty = try await Self.upload(api, owner, header, name: "a.txt", type: "text/plain", data: Data())
            #expect(empty.status == .unprocessableContent)
            let json = try await api.call(.post, "/api/files", json: .object(["file": "x"]), as: owner.bearer, headers: header)
            #expect(json.status == .unsupportedMediaType)
            let foreignAssistant = try await Self.upload(api, owner, header, name: "a.txt", type: "text/plain", data: Data("hi".utf8),
                                                         extra: [("assistant_id", UUID().uuidString)])
            #expect(foreignAssistant["error"]?["details"]?["field"]?.string == "assistant_id")

            let broken = try await Self.upload(api, owner, header, name: "broken.pdf", type: "application/pdf", data: Data("%PDF-1.4 nonsense".utf8))
            let id = try #require(broken["id"]?.string)
            guard case .discard(let reason) = try await Self.extract(api, id) else { Issue.record("a corrupt PDF must discard"); return }
            let file = try await api.call(.get, "/api/files/\(id)", as: owner.bearer, headers: header)
            #expect(file["status"]?.string == "failed")
            #expect(file["status_reason"]?.string == reason)
        }
    }
}
