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
        let notKubernetes = ["docker-compose.yml", ".checkov.yaml"]
        for (file, document) in documents where !notKubernetes.contains(file) && document["kind"] as? String != "Kustomization" {
            #expect(document["apiVersion"] is String, "\(file)")
            #expect(document["kind"] is String, "\(file)")
            #expect((document["metadata"] as? [String: Any])?["name"] is String, "\(file)")
        }
        for name in ["api", "worker", "worker-calls", "scheduler"] {
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
            if name.hasPrefix("worker") {
                let grace = try #require(podSpec["terminationGracePeriodSeconds"] as? Int)
                let env = container["env"] as? [[String: Any]] ?? []
                let workerGrace = Int(env.first { $0["name"] as? String == "WORKER_SHUTDOWN_GRACE_MS" }?["value"] as? String ?? "") ?? 25_000
                #expect(grace * 1_000 > workerGrace, "Kubernetes waits longer than the worker's own grace")
            }
        }
        _ = try Self.resource("Service", "api", in: documents)
        _ = try Self.resource("ConfigMap", "voicepartner-config", in: documents)
        _ = try Self.resource("Secret", "voicepartner-secrets", in: documents)
        for group in ["worker", "worker-calls"] {
            let hpa = try Self.resource("HorizontalPodAutoscaler", group, in: documents)
            #expect(((hpa["spec"] as? [String: Any])?["scaleTargetRef"] as? [String: Any])?["name"] as? String == group)
        }

        let compose = try #require(documents.first { $0.file == "docker-compose.yml" }?.document)
        let services = try #require(compose["services"] as? [String: [String: Any]])
        #expect(Set(services.keys) == ["postgres", "redis", "mailpit", "minio", "bucket", "api", "worker", "scheduler"])
        #expect((services["worker"]?["deploy"] as? [String: Any])?["replicas"] as? Int == 2)
        for (name, service) in services where name != "bucket" {
            let test = (service["healthcheck"] as? [String: Any])?["test"] as? [String]
            #expect(test?.first == "CMD" && test?.contains("/dev/tcp") == false, "\(name) has a healthcheck that runs without a shell")
        }
        for name in ["api", "worker", "scheduler"] { #expect(services[name]?["read_only"] as? Bool == true, "\(name)") }
    }

    /// The resources a kustomization at `folder` renders (resources only: files, or folders with
    /// their own kustomization), each with the file it came from.
    static func kustomize(_ folder: URL) throws -> [(file: String, document: [String: Any])] {
        let text = try String(contentsOf: folder.appendingPathComponent("kustomization.yaml"), encoding: .utf8)
        let kustomization = try #require(try Yams.load(yaml: text) as? [String: Any])
        var rendered: [(String, [String: Any])] = []
        for resource in kustomization["resources"] as? [String] ?? [] {
            let url = folder.appendingPathComponent(resource).standardizedFileURL
            var isFolder: ObjCBool = false
            try #require(FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), "\(folder.path): \(resource) is missing")
            if isFolder.boolValue {
                rendered += try kustomize(url)
            } else {
                for document in try Yams.load_all(yaml: try String(contentsOf: url, encoding: .utf8)) {
                    rendered.append((url.lastPathComponent, try #require(document as? [String: Any])))
                }
            }
        }
        return rendered
    }

    /// Each overlay installs one autoscaler (never both), every pod runs under the restricted
    /// profile with a startup probe, a migration Job applies the migrations the processes no
    /// longer apply, each Deployment has a disruption budget, the image is pinned, no template
    /// secret is applied, and KEDA reaches the database through a TriggerAuthentication.
    @Test func theOverlaysHoldOneAutoscalerEachAndEveryPodIsHardened() throws {
        let kubernetes = Self.folder.appendingPathComponent("kubernetes")
        let base = try Self.kustomize(kubernetes.appendingPathComponent("base"))
        let keda = try Self.kustomize(kubernetes.appendingPathComponent("overlays/keda"))
        let hpa = try Self.kustomize(kubernetes.appendingPathComponent("overlays/hpa"))
        func kinds(_ documents: [(file: String, document: [String: Any])]) -> [String] { documents.compactMap { $0.document["kind"] as? String } }
        #expect(!kinds(base).contains("Secret"), "a template secret would overwrite the real one")
        #expect(!kinds(base).contains("ScaledObject") && !kinds(base).contains("HorizontalPodAutoscaler"))
        #expect(kinds(keda).contains("ScaledObject") && kinds(keda).contains("TriggerAuthentication"))
        #expect(!kinds(keda).contains("HorizontalPodAutoscaler"))
        #expect(kinds(hpa).contains("HorizontalPodAutoscaler") && !kinds(hpa).contains("ScaledObject"))

        let kustomization = try #require(try Yams.load(yaml: String(contentsOf: kubernetes.appendingPathComponent("base/kustomization.yaml"),
                                                                     encoding: .utf8)) as? [String: Any])
        let pinned = try #require((kustomization["images"] as? [[String: Any]])?.first)
        #expect(pinned["name"] as? String == "voicepartner" && (pinned["newTag"] as? String).map { !$0.isEmpty && $0 != "latest" } == true)
        let config = try Self.resource("ConfigMap", "voicepartner-config", in: base)
        #expect((config["data"] as? [String: Any])?["MIGRATE_ON_START"] as? String == "false")

        var workloads: [(name: String, pod: [String: Any])] = []
        for (_, document) in base where ["Deployment", "Job"].contains(document["kind"] as? String) {
            let name = try #require((document["metadata"] as? [String: Any])?["name"] as? String)
            let template = try #require((document["spec"] as? [String: Any])?["template"] as? [String: Any])
            workloads.append((name, try #require(template["spec"] as? [String: Any])))
        }
        #expect(Set(workloads.map(\.name)) == ["api", "worker", "worker-calls", "scheduler", "voicepartner-migrate"])
        for (name, pod) in workloads {
            let security = pod["securityContext"] as? [String: Any]
            #expect(security?["runAsNonRoot"] as? Bool == true && security?["runAsUser"] as? Int == 10001, "\(name)")
            #expect((security?["seccompProfile"] as? [String: Any])?["type"] as? String == "RuntimeDefault", "\(name)")
            let container = try #require((pod["containers"] as? [[String: Any]])?.first)
            #expect((container["image"] as? String)?.hasPrefix("voicepartner:") == true, "\(name): the kustomization sets the image")
            #expect(pod["automountServiceAccountToken"] as? Bool == false, "\(name): no service-account token")
            let limits = (container["resources"] as? [String: Any])?["limits"] as? [String: Any]
            #expect(limits?["cpu"] != nil, "\(name): a CPU limit")
            let restricted = container["securityContext"] as? [String: Any]
            #expect(restricted?["allowPrivilegeEscalation"] as? Bool == false && restricted?["readOnlyRootFilesystem"] as? Bool == true, "\(name)")
            #expect((restricted?["capabilities"] as? [String: Any])?["drop"] as? [String] == ["ALL"], "\(name)")
            if name == "voicepartner-migrate" {
                #expect(container["command"] as? [String] == ["queuectl", "migrate"])
                continue
            }
            #expect(container["startupProbe"] != nil, "\(name): a slow start is not killed by the liveness probe")
            let budgets = base.filter { $0.document["kind"] as? String == "PodDisruptionBudget" }.compactMap {
                (($0.document["spec"] as? [String: Any])?["selector"] as? [String: Any])?["matchLabels"] as? [String: String]
            }
            #expect(budgets.contains { $0["app.kubernetes.io/name"] == name }, "\(name) has a disruption budget")
        }

        let authentication = try Self.resource("TriggerAuthentication", "voicepartner-database", in: keda)
        let reference = ((authentication["spec"] as? [String: Any])?["secretTargetRef"] as? [[String: Any]])?.first
        #expect(reference?["parameter"] as? String == "connection" && reference?["key"] as? String == "DATABASE_URL")
        for group in ["worker", "worker-calls"] {
            let scaled = try Self.resource("ScaledObject", group, in: keda)
            let triggers = try #require((scaled["spec"] as? [String: Any])?["triggers"] as? [[String: Any]])
            for trigger in triggers {
                #expect((trigger["authenticationRef"] as? [String: Any])?["name"] as? String == "voicepartner-database")
                #expect((trigger["metadata"] as? [String: Any])?["connectionFromEnv"] == nil, "KEDA's operator cannot read a pod's environment")
            }
        }
        // The two groups share the queues between them: the general one leaves out exactly what the calls one takes.
        let general = try Self.resource("Deployment", "worker", in: base)
        let calls = try Self.resource("Deployment", "worker-calls", in: base)
        func env(_ deployment: [String: Any]) -> [String: String] {
            let template = (deployment["spec"] as? [String: Any])?["template"] as? [String: Any]
            let container = ((template?["spec"] as? [String: Any])?["containers"] as? [[String: Any]])?.first
            var values: [String: String] = [:]
            for entry in container?["env"] as? [[String: Any]] ?? [] {
                if let name = entry["name"] as? String, let value = entry["value"] as? String { values[name] = value }
            }
            return values
        }
        #expect(env(general)["WORKER_QUEUES_EXCLUDE"] == "calls" && env(general)["WORKER_QUEUES"] == nil)
        #expect(env(calls)["WORKER_QUEUES"]?.split(separator: ",").map { $0.split(separator: "=")[0] } == ["calls"])
    }

    /// Every manifest of the base, the overlays and the secrets template against the Kubernetes API's
    /// own schemas (kubernetes-validate, offline, strict: an unknown field fails too). Only the kinds
    /// Kubernetes has no schema for — kustomizations and KEDA's resources — are left out, by name.
    @Test func everyManifestValidatesAgainstTheKubernetesSchemas() async throws {
        let python = try #require(ProcessInfo.processInfo.environment["VPAI_PYTHON"], "run through scripts/test.sh (VPAI_PYTHON)")
        let validator = URL(fileURLWithPath: python).deletingLastPathComponent().appendingPathComponent("kubernetes-validate").path
        let kubernetes = Self.folder.appendingPathComponent("kubernetes")
        var files: [String] = [kubernetes.appendingPathComponent("secrets-template.yaml").path]
        for folder in ["base", "overlays/keda", "overlays/hpa", "monitoring"] {
            let url = kubernetes.appendingPathComponent(folder)
            files += try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasSuffix(".yaml") }.sorted()
                .map { url.appendingPathComponent($0).path }
        }
        let output = try await ChildProcess.run(validator, ["--strict", "--quiet", "--kubernetes-version", "1.30"] + files)
        let unchecked = output.split(separator: "\n").filter { $0.hasPrefix("WARN") }
        #expect(unchecked.allSatisfy { line in
            ["Kustomization", "ScaledObject", "TriggerAuthentication", "ServiceMonitor", "PodMonitor"].contains { line.contains("kind \($0) ") }
        }, "\(unchecked)")
        #expect(!output.contains("ERROR"), "\(output)")
    }

    /// Prometheus Operator finds every process's metrics port: the ServiceMonitor selects the API's
    /// metrics Service (not the public one) by a port the pods have, the PodMonitor every background
    /// pod by its `metrics` port; the network policies let the monitoring namespace reach both.
    @Test func theMonitorsFindEveryMetricsPort() throws {
        let kubernetes = Self.folder.appendingPathComponent("kubernetes")
        let base = try Self.kustomize(kubernetes.appendingPathComponent("base"))
        let monitoring = try Self.kustomize(kubernetes.appendingPathComponent("monitoring"))
        func labels(_ document: [String: Any]) -> [String: String] {
            (document["metadata"] as? [String: Any])?["labels"] as? [String: String] ?? [:]
        }
        func podPorts(_ name: String) throws -> [String] {
            let deployment = try Self.resource("Deployment", name, in: base)
            let template = (deployment["spec"] as? [String: Any])?["template"] as? [String: Any]
            let container = ((template?["spec"] as? [String: Any])?["containers"] as? [[String: Any]])?.first
            return (container?["ports"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        }
        let serviceMonitor = try Self.resource("ServiceMonitor", "voicepartner-api", in: monitoring)
        let wanted = ((serviceMonitor["spec"] as? [String: Any])?["selector"] as? [String: Any])?["matchLabels"] as? [String: String] ?? [:]
        let services = base.filter { $0.document["kind"] as? String == "Service" }.map(\.document)
            .filter { service in !wanted.isEmpty && wanted.allSatisfy { labels(service)[$0.key] == $0.value } }
        #expect(services.compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String } == ["api-metrics"])
        let endpoint = ((serviceMonitor["spec"] as? [String: Any])?["endpoints"] as? [[String: Any]])?.first
        let servicePort = ((services.first?["spec"] as? [String: Any])?["ports"] as? [[String: Any]])?.first
        #expect(endpoint?["port"] as? String == servicePort?["name"] as? String)
        #expect(try podPorts("api").contains(servicePort?["targetPort"] as? String ?? "?"))

        let podMonitor = try Self.resource("PodMonitor", "voicepartner-background", in: monitoring)
        let expression = (((podMonitor["spec"] as? [String: Any])?["selector"] as? [String: Any])?["matchExpressions"] as? [[String: Any]])?.first
        let names = expression?["values"] as? [String] ?? []
        #expect(Set(names) == ["worker", "worker-calls", "scheduler"])
        let port = (((podMonitor["spec"] as? [String: Any])?["podMetricsEndpoints"] as? [[String: Any]])?.first)?["port"] as? String
        for name in names { #expect(try podPorts(name).contains(port ?? "?"), "\(name)") }
    }

    @Test func theScalerReadsTheEnginesStatsAndItsSQLRuns() async throws {
        let documents = try Self.documents()
        for (group, queues) in [("worker", JobStore.ScaledQueues.allBut(["calls"])), ("worker-calls", .only(["calls"]))] {
            let scaled = try Self.resource("ScaledObject", group, in: documents)
            let spec = try #require(scaled["spec"] as? [String: Any])
            #expect((spec["scaleTargetRef"] as? [String: Any])?["name"] as? String == group)
            let triggers = try #require(spec["triggers"] as? [[String: Any]])
            let queries = triggers.compactMap { trigger -> String? in
                #expect(trigger["type"] as? String == "postgresql")
                return (trigger["metadata"] as? [String: Any])?["query"] as? String
            }
            #expect(queries == [JobStore.scalerBacklogQuery(queues), JobStore.scalerAgeQuery(queues)], "\(group)")
        }

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
                let backlog = try await value(JobStore.scalerBacklogQuery())
                let jobs = try (0..<5).map { _ in
                    try NewJob(kind: "test.scaler", argsJSON: "{}",
                               options: JobOptions(queue: harness.queueName, runAt: Date().addingTimeInterval(-600)))
                }
                _ = try await JobStore.insertMany(jobs, on: connection, logger: harness.logger)
                #expect(try await value(JobStore.scalerBacklogQuery()) == backlog + 5)
                #expect(try await value(JobStore.scalerBacklogQuery(.only([harness.queueName, "it's-quoted"]))) == 5)
                #expect(try await value(JobStore.scalerBacklogQuery(.allBut([harness.queueName]))) == backlog)
                // Six jobs of one concurrency key limited to two: two could start, so two count.
                let key = ConcurrencyLimit(key: "scaler-\(harness.queueName)", limit: 2)
                let held = try (0..<6).map { _ in
                    try NewJob(kind: "test.scaler", argsJSON: "{}",
                               options: JobOptions(queue: harness.queueName, runAt: Date().addingTimeInterval(-900), concurrency: key))
                }
                _ = try await JobStore.insertMany(held, on: connection, logger: harness.logger)
                #expect(try await value(JobStore.scalerBacklogQuery()) == backlog + 7)
                let (ready, runnable) = try await { () async throws -> (Int64, Int64) in
                    let rows = try await connection.query("SELECT ready, runnable FROM queue_stats WHERE queue = \(harness.queueName)",
                                                          logger: harness.logger)
                    for try await row in rows.decode((Int64, Int64).self) { return row }
                    return (-1, -1)
                }()
                #expect(ready == 11 && runnable == 7)
                // One of the key's jobs running leaves room for one more.
                try await connection.query("""
                    UPDATE queue_jobs SET state = 'running' WHERE id = (
                        SELECT id FROM queue_jobs WHERE queue = \(harness.queueName) AND concurrency_key IS NOT NULL LIMIT 1)
                    """, logger: harness.logger)
                #expect(try await value(JobStore.scalerBacklogQuery()) == backlog + 5 + 1 + 1, "one running, one more may start")
                #expect(try await value(JobStore.scalerAgeQuery()) >= 590)
                try await connection.query("INSERT INTO queue_paused (queue) VALUES (\(harness.queueName))", logger: harness.logger)
                #expect(try await value(JobStore.scalerBacklogQuery()) == backlog, "a paused queue does not ask for workers")
                try await connection.query("ROLLBACK", logger: harness.logger)
            }
        }
    }
}
