import Foundation

/// The kinds of job a deployment knows, by name, without their handlers: the defaults of each and a
/// check that arguments decode for it, for everything that enqueues or schedules jobs.
public struct JobCatalogue: Sendable {
    /// Arguments that do not decode for their kind: retrying cannot help.
    public struct UndecodableArguments: Error, CustomStringConvertible {
        public let kind: String
        public let detail: String
        public var description: String { "arguments do not decode for \(kind): \(detail)" }
    }

    struct Entry: Sendable {
        let defaults: JobDefaults
        let check: @Sendable (String) throws -> Void
    }

    private var entries: [String: Entry] = [:]
    /// One decoder for every check (its settings never change): a check runs per enqueued job.
    private static let decoder = JSONDecoder()

    public init() {}

    public mutating func register<D: JobDefinition>(_ definition: D.Type) {
        entries[D.name] = Entry(defaults: D.defaults) { argsJSON in
            do {
                _ = try Self.decoder.decode(D.Args.self, from: Data(argsJSON.utf8))
            } catch {
                throw UndecodableArguments(kind: D.name, detail: "\(error)")
            }
        }
    }

    public var kinds: [String] { entries.keys.sorted() }

    public func defaults(for kind: String) -> JobDefaults? { entries[kind]?.defaults }

    /// Checks that `argsJSON` decodes for `kind` (schedules, the CLI and the API check jobs before they exist).
    public func check(kind: String, argsJSON: String) throws {
        guard let entry = entries[kind] else { throw QueueError(.unknownKind, "unknown job kind \(kind)") }
        try entry.check(argsJSON)
    }
}
