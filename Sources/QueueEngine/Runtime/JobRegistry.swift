import Foundation

/// The job kinds a worker can run, by name. Arguments are decoded here, so a job whose arguments
/// do not decode fails with `JobRegistry.UndecodableArguments` (the worker discards it).
public struct JobRegistry: Sendable {
    struct Entry: Sendable {
        let defaults: JobDefaults
        let check: @Sendable (String) throws -> Void
        let run: @Sendable (String, JobContext) async throws -> JobOutcome
    }

    /// Arguments that do not decode for their kind: retrying cannot help.
    public struct UndecodableArguments: Error, CustomStringConvertible {
        public let kind: String
        public let detail: String
        public var description: String { "arguments do not decode for \(kind): \(detail)" }
    }

    private var entries: [String: Entry] = [:]

    public init() {}

    public mutating func register<K: JobKind>(_ handler: K) {
        // One decoder per kind: creating a decoder per job costs more than decoding small arguments.
        let decoder = JSONDecoder()
        let check: @Sendable (String) throws -> Void = { argsJSON in
            do {
                _ = try JSONDecoder().decode(K.Args.self, from: Data(argsJSON.utf8))
            } catch {
                throw UndecodableArguments(kind: K.name, detail: "\(error)")
            }
        }
        entries[K.name] = Entry(defaults: K.defaults, check: check) { argsJSON, context in
            let args: K.Args
            do {
                args = try decoder.decode(K.Args.self, from: Data(argsJSON.utf8))
            } catch {
                throw UndecodableArguments(kind: K.name, detail: "\(error)")
            }
            return try await handler.run(args, context: context)
        }
    }

    public var kinds: [String] { entries.keys.sorted() }

    public func defaults(for kind: String) -> JobDefaults? { entries[kind]?.defaults }

    /// Checks that `argsJSON` decodes for `kind` (schedules and the CLI check jobs before they exist).
    public func check(kind: String, argsJSON: String) throws {
        guard let entry = entries[kind] else { throw QueueError(.unknownKind, "unknown job kind \(kind)") }
        try entry.check(argsJSON)
    }

    func entry(for kind: String) -> Entry? { entries[kind] }
}
