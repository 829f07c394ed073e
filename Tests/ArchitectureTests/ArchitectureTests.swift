import Foundation
import Testing

/// The architecture as code: `Package.swift` states which target may use which, every `import` in
/// the sources is one the manifest declares, and the arrows between this project's targets are the
/// ones below. A change that quietly crosses them fails here, not in review.
@Suite struct ArchitectureTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Of this project's targets, the ones each may depend on: lower parts never reach up.
    static let arrows: [String: Set<String>] = [
        "Audio": [],
        "ServerSupport": [],
        "WebhookSigning": [],
        "QueueEngine": ["ServerSupport"],
        "Providers": ["ServerSupport"],
        "Telemetry": ["QueueEngine", "ServerSupport"],
        "Platform": ["Audio", "Providers", "QueueEngine", "ServerSupport", "WebhookSigning"],
        "Jobs": ["Platform", "Providers", "QueueEngine", "ServerSupport", "WebhookSigning"],
        // The API enqueues by definition: it never links a handler.
        "API": ["Platform", "Providers", "QueueEngine", "ServerSupport", "Telemetry", "WebhookSigning"],
        "Worker": ["Jobs", "Platform", "QueueEngine", "ServerSupport", "Telemetry"],
        "Scheduler": ["Platform", "QueueEngine", "ServerSupport", "Telemetry"],
        "QueueCTL": ["Platform", "QueueEngine", "ServerSupport"],
        "VoicePartnerClient": ["WebhookSigning"],
        "Bench": ["Audio", "Jobs", "Platform", "Providers", "QueueEngine", "ServerSupport", "TestSupport"],
        "ArchitectureTests": [],
        "ServerSupportTests": ["ServerSupport"],
        "AudioTests": ["Audio"],
        "TestSupport": ["QueueEngine", "ServerSupport"],
        "ProvidersTests": ["Providers", "ServerSupport", "TestSupport"],
        // The engine is tested without the platform; whole processes are tested apart.
        "QueueEngineTests": ["QueueEngine", "ServerSupport", "TestSupport"],
        "ProcessTests": ["Jobs", "Platform", "QueueEngine", "ServerSupport", "TestSupport"],
        "PlatformTests": ["Platform", "Providers", "ServerSupport", "WebhookSigning"],
        "JobsTests": ["Jobs", "Platform", "QueueEngine"],
        "APITests": ["API", "Audio", "Jobs", "Platform", "Providers", "QueueEngine", "ServerSupport", "Telemetry", "TestSupport",
                      "VoicePartnerClient", "WebhookSigning"],
    ]

    /// Modules of the toolchain, importable without a declaration.
    static let toolchain: Set<String> = ["Foundation", "FoundationXML", "FoundationNetworking", "Glibc", "Musl", "Darwin",
                                         "Dispatch", "Synchronization", "Testing", "XCTest"]

    /// The leaves hold no database and no queue.
    static let forbidden: [String: Set<String>] = [
        "ServerSupport": ["PostgresNIO", "QueueEngine"],
        "Providers": ["PostgresNIO", "QueueEngine", "Platform", "Jobs"],
    ]

    struct Target {
        let name: String
        let directory: String
        let dependencies: Set<String>
    }

    static func manifest() throws -> [Target] {
        let text = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        var targets: [Target] = []
        for kind in ["target", "executableTarget", "testTarget", "systemLibrary"] {
            var rest = text[...]
            while let start = rest.range(of: ".\(kind)(") {
                let body = balanced(rest[start.upperBound...], open: "(", close: ")")
                rest = rest[body.endIndex...]
                guard let name = firstQuoted(after: "name:", in: body) else { continue }
                var dependencies = Set<String>()
                if let list = body.range(of: "dependencies:").flatMap({ body[$0.upperBound...].firstIndex(of: "[") }) {
                    let items = balanced(body[body.index(after: list)...], open: "[", close: "]")
                    for product in items.matches(of: /\.product\(name:\s*"([^"]+)"/) { dependencies.insert(String(product.1)) }
                    let withoutProducts = items.replacingOccurrences(of: #"\.product\([^)]*\)"#, with: "", options: .regularExpression)
                    dependencies.formUnion(quoted(in: withoutProducts[...]))
                }
                let path = firstQuoted(after: "path:", in: body)
                let directory = path ?? (kind == "testTarget" ? "Tests/\(name)" : "Sources/\(name)")
                targets.append(Target(name: name, directory: directory, dependencies: dependencies))
            }
        }
        return targets
    }

    /// The text up to the bracket that closes the one opened just before `text`.
    static func balanced(_ text: Substring, open: Character, close: Character) -> Substring {
        var depth = 1
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == open { depth += 1 }
            if text[index] == close { depth -= 1; if depth == 0 { break } }
            index = text.index(after: index)
        }
        return text[text.startIndex..<index]
    }

    static func quoted(in text: Substring) -> [String] {
        text.split(separator: "\"", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }

    static func firstQuoted(after label: String, in text: Substring) -> String? {
        guard let range = text.range(of: label) else { return nil }
        let tail = text[range.upperBound...]
        guard let quote = tail.firstIndex(of: "\""), tail[..<quote].allSatisfy(\.isWhitespace) else { return nil }
        return quoted(in: tail).first
    }

    static func swiftFiles(under directory: String) -> [URL] {
        let folder = root.appendingPathComponent(directory)
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
    }

    /// Modules a file imports: `import X`, `@testable import X`, `import struct X.Y`, at the start of a line.
    static func imports(of file: URL) throws -> Set<String> {
        let pattern = /^(?:@\w+ )*import (?:(?:struct|class|enum|protocol|func|var|let|typealias) )?(\w+)/
        var modules = Set<String>()
        for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
            if let match = line.firstMatch(of: pattern) { modules.insert(String(match.1)) }
        }
        return modules
    }

    @Test func everyImportIsDeclaredInTheManifest() throws {
        let targets = try Self.manifest()
        #expect(targets.count >= 15, "the manifest reader found \(targets.map(\.name))")
        var undeclared: [String] = []
        for target in targets {
            for file in Self.swiftFiles(under: target.directory) {
                for module in try Self.imports(of: file)
                where !target.dependencies.contains(module) && !Self.toolchain.contains(module) && module != target.name {
                    undeclared.append("\(file.path.replacingOccurrences(of: Self.root.path + "/", with: "")) imports \(module)")
                }
            }
        }
        #expect(undeclared.isEmpty, "\(undeclared.sorted().joined(separator: "\n"))")
    }

    @Test func targetsDependOnlyDownward() throws {
        let targets = try Self.manifest()
        let ours = Set(targets.map(\.name))
        for target in targets {
            guard let allowed = Self.arrows[target.name] else {
                Issue.record("\(target.name) has no place in ArchitectureTests.arrows: say which targets it may use")
                continue
            }
            let crossing = target.dependencies.intersection(ours).subtracting(allowed)
            #expect(crossing.isEmpty, "\(target.name) depends on \(crossing.sorted())")
            let banned = target.dependencies.intersection(Self.forbidden[target.name] ?? [])
            #expect(banned.isEmpty, "\(target.name) depends on \(banned.sorted())")
        }
    }

    static let engineTables = ["queue_jobs", "queue_schedule", "queue_workers", "queue_deleted_completions"]

    /// The engine owns its tables: the platform reaches them only through the engine's API.
    @Test func onlyTheEngineNamesItsTables() throws {
        var offenders: [String] = []
        let sources = Self.root.appendingPathComponent("Sources")
        let walker = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        for case let file as URL in walker ?? FileManager.DirectoryEnumerator() where ["swift", "sql"].contains(file.pathExtension) {
            let path = file.path.replacingOccurrences(of: Self.root.path + "/", with: "")
            guard !path.hasPrefix("Sources/QueueEngine/") else { continue }
            let text = try String(contentsOf: file, encoding: .utf8)
            for table in Self.engineTables where text.contains(table) { offenders.append("\(path): \(table)") }
        }
        #expect(offenders.isEmpty, "\(offenders.joined(separator: "\n"))")
    }

    /// Code reads on one screen: no line of Swift is longer than 150 characters.
    @Test func noLineIsLongerThan150Characters() throws {
        var offenders: [String] = []
        for directory in ["Sources", "Tests", "bench"] {
            for file in Self.swiftFiles(under: directory) {
                let path = file.path.replacingOccurrences(of: Self.root.path + "/", with: "")
                let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
                for (index, line) in lines.enumerated() where line.count > 150 { offenders.append("\(path):\(index + 1)") }
            }
        }
        #expect(offenders.isEmpty, "\(offenders.joined(separator: "\n"))")
    }
}
