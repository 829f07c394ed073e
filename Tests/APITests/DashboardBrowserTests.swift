@testable import API
import Foundation
import HTTPTypes
import Jobs
import Platform
import QueueEngine
import Testing
import TestSupport

/// The dashboard in a real browser: headless Chromium, driven by selenium (`Tests/Tools/
/// dashboard_browser.py`), against this API with a worker running in the process. Screenshots of
/// every step are kept in `.local/artifacts/dashboard`.
@Suite(.timeLimit(.minutes(5))) struct DashboardBrowserTests {
    @Test func anOwnerRetriesAFailedJobAndPausesAQueueWhileOthersAreRefused() async throws {
        let environment = ProcessInfo.processInfo.environment
        let python = try #require(environment["VPAI_PYTHON"], "run through scripts/test.sh (VPAI_PYTHON with selenium)")
        let chromium = environment["VPAI_CHROMIUM"] ?? "/usr/bin/chromium"
        let chromedriver = environment["VPAI_CHROMEDRIVER"] ?? "/usr/bin/chromedriver"
        try #require(FileManager.default.isExecutableFile(atPath: chromium) && FileManager.default.isExecutableFile(atPath: chromedriver),
                     "Chromium and its driver are needed (scripts/test.sh installs chromium and chromium-driver)")
        let ownerEmail = "dash-owner-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        try await APIHarness.with(["PLATFORM_OPERATOR_EMAILS": ownerEmail]) { api in
            let registered = try await api.call(.post, "/auth/register", json: .object([
                "email": .string(ownerEmail), "password": .string(APIHarness.password), "first_name": .string("Dash"),
            ]))
            let owner = APIHarness.User(id: try #require(UUID(uuidString: registered["user"]?["id"]?.string ?? "")), email: ownerEmail,
                                        password: APIHarness.password, accessToken: try #require(registered["access_token"]?.string),
                                        refreshToken: try #require(registered["refresh_token"]?.string))
            let workspace = try await api.createWorkspace(owner, name: "Dashboard workspace")
            let viewer = try await api.register("dash-viewer")
            try await api.addMember(viewer, to: workspace, role: .viewer, by: owner)
            let stranger = try await api.register("dash-stranger")
            _ = try await api.createWorkspace(stranger)

            let queue = "dash-\(UUID().uuidString.prefix(8).lowercased())"
            let tenant = workspace.lowercased
            func enqueue(_ args: CanaryJob.Args, maxAttempts: Int? = nil, delay: Duration? = nil) async throws -> Int64 {
                try await api.services.database.queue.enqueue(CanaryJob.self, args, options: JobOptions(
                    queue: queue, delay: delay, maxAttempts: maxAttempts, workspaceID: tenant)).id
            }
            // Keeps the queue listed on the platform page (a queue shows while it holds jobs).
            _ = try await enqueue(.init(), delay: .seconds(3_600))
            let failing = try await enqueue(.init(failAttempts: 1), maxAttempts: 1)

            var configuration = WorkerConfiguration(id: "dashboard-worker-\(queue)", queues: [queue: 2])
            configuration.pollInterval = .milliseconds(100)
            let worker = Worker(configuration: configuration, store: api.services.database.queue.store,
                                registry: PlatformJobs.registry(store: api.services.database.queue.store),
                                subscriber: nil, logger: APIHarness.logger)
            let running = Task { try await worker.run() }
            defer { worker.stop() }
            for _ in 0..<200 where try await api.services.database.queue.store.job(id: failing).state != .discarded {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(try await api.services.database.queue.store.job(id: failing).state == .discarded)

            let folder = URL(fileURLWithPath: ".local/artifacts/dashboard", isDirectory: true)
            try? FileManager.default.removeItem(at: folder)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let settings: [String: Any] = [
                "base_url": "http://127.0.0.1:\(try #require(api.http.port))", "workspace_id": tenant, "job_id": failing, "queue": queue,
                "worker_id": configuration.id, "owner_email": ownerEmail, "owner_password": APIHarness.password,
                "viewer_email": viewer.email, "viewer_password": viewer.password, "stranger_email": stranger.email,
                "stranger_password": stranger.password, "folder": folder.path, "chromium": chromium, "chromedriver": chromedriver,
            ]
            let settingsFile = folder.appendingPathComponent("settings.json")
            try JSONSerialization.data(withJSONObject: settings).write(to: settingsFile)

            let output = folder.appendingPathComponent("browser.log")
            let process = try ChildProcess(python, ["Tests/Tools/dashboard_browser.py", settingsFile.path], output: output)

            // The handshake: once the script has paused the queue, ready jobs arrive that no worker may claim.
            var ready: [Int64] = []
            let deadline = ContinuousClock.now + .seconds(240)
            while process.isRunning, ContinuousClock.now < deadline {
                if ready.isEmpty, FileManager.default.fileExists(atPath: folder.appendingPathComponent("paused").path) {
                    for _ in 0..<3 { ready.append(try await enqueue(.init())) }
                    FileManager.default.createFile(atPath: folder.appendingPathComponent("enqueued").path, contents: nil)
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            process.signal(SIGTERM)
            let status = await process.waitForExit()
            let log = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            #expect(status == 0, "\(log)")
            #expect(log.contains("dashboard test passed"), "\(log)")

            #expect(try await api.services.database.queue.store.job(id: failing).state == .completed)
            #expect(ready.count == 3)
            for id in ready { #expect(try await api.services.database.queue.store.job(id: id).state == .completed) }
            let audit = try await api.database.query("""
                SELECT action FROM audit_log WHERE (resource_type = 'queue' AND resource_id = \(queue))
                   OR (resource_type = 'job' AND resource_id = \(String(failing))) ORDER BY id
                """)
            var actions: [String] = []
            for try await action in audit.decode(String.self) { actions.append(action) }
            #expect(actions == ["job.retry", "queue.pause", "queue.resume"])
            worker.stop()
            try await running.value
        }
    }
}
