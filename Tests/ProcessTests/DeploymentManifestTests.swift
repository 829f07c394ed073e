import Foundation
import PostgresNIO
import QueueEngine
import Testing
import TestSupport
import Yams

/// The files in `deploy/`: every manifest parses and is complete enough to apply (probes, config,
/// a scheduler pair, a worker grace period longer than the worker's own), and the autoscaler's SQL
/// is the engine's own stats query and answers correctly against the real schema.
@Suite struct DeploymentManifestTests {
    static let folder = URL(fileURLWithPath: "deploy", isDirectory: true)

    /// Every YAML document of `deploy/` by file.
    static func documents() throws -> [(file: String, document: [String: Any])] {
        let files = try #require(FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?.allObjects as? [URL])
            .filter { ["yaml", "yml"].contains($0.pathExtension) }
        #expect(files.count >= 8, "\(files)")
        var documents: [(String, [String: Any])] = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for document in try Yams.load_all(yaml: text) {
                let object = try #require(document as? [String: Any], "\(file.lastPathComponent): a document that is not a mapping")
                documents.append((file.lastPathComponent, object))
            }
        }
        return documents
    }

    static func resource(_ kind: String, _ name: String, in documents: [(file: String, document: [String: Any])]) throws -> [String: Any] {
        try #require(documents.first { $0.document["kind"] as? String == kind
                                           && ($0.document["metadata"] as? [String: Any])?["name"] as? String == name }?
            .document, "no \(kind) \(name)")
    }

    @Test func everyManifestParsesAndIsComplete() throws {
        let documents = try Self.documents()
        for (file, document) in documents where file != "docker-compose.yml" {
            #expect(document["apiVersion"] is String, "\(file)")
            #expect(document["kind"] is String, "\(file)")
            #expect((document["metadata"] as? [String: Any])?["name"] is String, "\(file)")
        }
        for name in ["api", "worker", "scheduler"] {
            let deployment = try Self.resource("Deployment", name, in: documents)
            let spec = try #require(deployment["spec"] as? [String: Any])
            let template = try #require(spec["template"] as? [String: Any])
            let labels = (template["metadata"] as? [String: Any])?["labels"] as? [String: String]
            let selector = (spec["selector"] as? [String: Any])?["matchLabels"] as? [String: String]
            #expect(selector != nil && selector!.allSatisfy { labels?[$0.key] == $0.value }, "\(name): the selector matches the pods")
            let podSpec = try #require(template["spec"] as? [String: Any])
            let container = try #require((podSpec["containers"] as? [[String: Any]])?.first)
            #expect(container["livenessProbe"] != nil && container["readinessProbe"] != nil, "\(name) has probes")
            let sources = (container["envFrom"] as? [[String: Any]] ?? []).flatMap(\.keys)
            #expect(Set(sources) == ["configMapRef", "secretRef"], "\(name) reads the config and the secrets")
            if name == "scheduler" { #expect(spec["replicas"] as? Int == 2) }
            if name == "worker" {
                let grace = try #require(podSpec["terminationGracePeriodSeconds"] as? Int)
                let env = container["env"] as? [[String: Any]] ?? []
                let workerGrace = Int(env.first { $0["name"] as? String == "WORKER_SHUTDOWN_GRACE_MS" }?["value"] as? String ?? "") ?? 25_000
                #expect(grace * 1_000 > workerGrace, "Kubernetes waits longer than the worker's own grace")
            }
        }
        _ = try Self.resource("Service", "api", in: documents)
        _ = try Self.resource("ConfigMap", "voicepartner-config", in: documents)
        _ = try Self.resource("Secret", "voicepartner-secrets", in: documents)
        let hpa = try Self.resource("HorizontalPodAutoscaler", "worker", in: documents)
        #expect(((hpa["spec"] as? [String: Any])?["scaleTargetRef"] as? [String: Any])?["name"] as? String == "worker")

        let compose = try #require(documents.first { $0.file == "docker-compose.yml" }?.document)
        let services = try #require(compose["services"] as? [String: Any])
        #expect(Set(services.keys) == ["postgres", "redis", "api", "worker", "scheduler"])
        #expect(((services["worker"] as? [String: Any])?["deploy"] as? [String: Any])?["replicas"] as? Int == 2)
    }

    @Test func theScalerReadsTheEnginesStatsAndItsSQLRuns() async throws {
        let documents = try Self.documents()
        let scaled = try Self.resource("ScaledObject", "worker", in: documents)
        let spec = try #require(scaled["spec"] as? [String: Any])
        #expect((spec["scaleTargetRef"] as? [String: Any])?["name"] as? String == "worker")
        let triggers = try #require(spec["triggers"] as? [[String: Any]])
        let queries = triggers.compactMap { trigger -> String? in
            #expect(trigger["type"] as? String == "postgresql")
            return (trigger["metadata"] as? [String: Any])?["query"] as? String
        }
        #expect(queries == [JobStore.scalerBacklogQuery, JobStore.scalerAgeQuery])

        try await TestHarness.with { harness in
            try await harness.client.withConnection { connection in
                // A snapshot of its own: other tests' jobs come and go, this transaction sees only its own changes.
                try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ", logger: harness.logger)
                func value(_ sql: String) async throws -> Int64 {
                    let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: harness.logger)
                    for try await value in rows.decode(Int64.self) { return value }
                    Issue.record("\(sql) answered no row")
                    return -1
                }
                let backlog = try await value(JobStore.scalerBacklogQuery)
                let jobs = try (0..<5).map { _ in
                    try NewJob(kind: "test.scaler", argsJSON: "{}",
                               options: JobOptions(queue: harness.queueName, runAt: Date().addingTimeInterval(-600)))
                }
                _ = try await JobStore.insertMany(jobs, on: connection, logger: harness.logger)
                #expect(try await value(JobStore.scalerBacklogQuery) == backlog + 5)
                #expect(try await value(JobStore.scalerAgeQuery) >= 590)
                try await connection.query("INSERT INTO queue_paused (queue) VALUES (\(harness.queueName))", logger: harness.logger)
                #expect(try await value(JobStore.scalerBacklogQuery) == backlog, "a paused queue does not ask for workers")
                try await connection.query("ROLLBACK", logger: harness.logger)
            }
        }
    }
}
