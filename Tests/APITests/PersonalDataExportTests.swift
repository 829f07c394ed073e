import Foundation
import HTTPTypes
import HummingbirdTesting
import Jobs
@testable import Platform
import NIOCore
import PostgresNIO
import QueueEngine
import Testing
import TestSupport
@testable import API

/// The personal-data export end to end: asked for through the API, built by its job from the real
/// tables and storage, checked by opening the ZIP with Python's zipfile, downloadable by its user only.
@Suite(.timeLimit(.minutes(3))) struct PersonalDataExportTests {
    static let storage = FileManager.default.temporaryDirectory.appendingPathComponent("exports-\(UUID().uuidString)").path

    @Test func theExportHoldsTheUsersDataAndOnlyTheyCanDownloadIt() async throws {
        try await APIHarness.with(["STORAGE_DIR": Self.storage]) { api in
            let user = try await api.register("exported")
            let workspace = try await api.createWorkspace(user, name: "Export Co")
            let header = APIHarness.workspaceHeader(workspace)
            let document = Data("<html><body>Quarterly plan for the export test</body></html>".utf8)
            let uploaded = try await FileTests.upload(api, user, header, name: "plan (v2).html", type: "text/html", data: document)
            try #require(uploaded.status == .accepted, "\(uploaded.body.text)")
            _ = try await FileTests.extract(api, try #require(uploaded["id"]?.string))
            let other = try await api.register("other")

            let asked = try await api.call(.post, "/api/me/export", as: user.bearer)
            #expect(asked.status == .accepted, "\(asked.body.text)")
            let id = try #require(UUID(uuidString: asked["id"]?.string ?? ""))
            #expect(try await api.call(.post, "/api/me/export", as: user.bearer).status == .conflict, "one export at a time")
            #expect(try await api.call(.get, "/api/me/exports/\(id.lowercased)/download", as: user.bearer).status == .conflict)

            let job = GDPRExportHandler(client: api.database, storage: api.services.configuration.providers.storage,
                                    mail: api.services.configuration.mail)
            let outcome = try await job.run(.init(requestID: id), context: JobContext(
                jobID: 0, kind: GDPRExportJob.name, queue: "gdpr", attempt: 1, maxAttempts: 5, workspaceID: nil,
                logger: APIHarness.logger, progressReporter: { _, _ in }))
            guard case .success = outcome else {
                Issue.record("the export ended with \(outcome)")
                return
            }
            let status = try await api.call(.get, "/api/me/exports/\(id.lowercased)", as: user.bearer)
            #expect(status["state"]?.string == "completed")
            #expect(try await api.call(.get, "/api/me/exports/\(id.lowercased)", as: other.bearer).status == .notFound)
            #expect(try await api.call(.get, "/api/me/exports/\(id.lowercased)/download", as: other.bearer).status == .notFound)

            let zip = try await api.http.execute(uri: "/api/me/exports/\(id.lowercased)/download", method: .get,
                                                 headers: [.authorization: "Bearer \(user.accessToken)"], body: nil) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/zip")
                return Data(buffer: response.body)
            }
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString).zip")
            try zip.write(to: path)
            // An independent reader: Python's zipfile checks every CRC and prints the contents as JSON.
            let output = try await ChildProcess.run("/usr/bin/python3", ["-c", """
                import json, sys, zipfile
                z = zipfile.ZipFile(sys.argv[1])
                assert z.testzip() is None
                print(json.dumps({n: z.read(n).decode("utf-8", "replace") for n in z.namelist()}))
                """, path.path], discardErrors: true)
            let files = try JSONDecoder().decode([String: String].self, from: Data(output.utf8))
            #expect(files["profile.json"]?.contains(user.email) == true)
            #expect(files["memberships.json"]?.contains("Export Co") == true)
            #expect(files["audit_log.json"]?.contains("user.register") == true)
            #expect(files["audit_log.json"]?.contains("user.export_request") == true)
            #expect(files["files.json"]?.contains("Quarterly plan for the export test") == true, "the extracted text")
            let original = try #require(files.keys.first { $0.hasPrefix("files/") && $0.hasSuffix("-plan__v2_.html") })
            #expect(files[original] == String(decoding: document, as: UTF8.self))
            #expect(files["profile.json"]?.contains("password") == false)
            #expect(files["sessions.json"]?.contains("token") == false)
            for name in PersonalDataExport.sections.map(\.file) { #expect(files[name] != nil, "\(name)") }
            #expect(files.values.allSatisfy { !$0.contains(other.email) }, "nothing of another user")

            let emails = try await api.database.query("""
                SELECT count(*)::int FROM queue_jobs WHERE kind = 'email.send' AND args->>'template' = 'gdpr_export_ready'
                  AND args->'to'->>'address' = \(user.email)
                """)
            for try await count in emails.decode(Int.self) { #expect(count == 1) }

            try await api.database.query("UPDATE gdpr_requests SET expires_at = now() - interval '1 minute' WHERE id = \(id)")
            #expect(try await api.call(.get, "/api/me/exports/\(id.lowercased)/download", as: user.bearer).status == .gone)
        }
    }
}
