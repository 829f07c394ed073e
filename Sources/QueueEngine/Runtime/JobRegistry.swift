import Foundation

/// The job kinds a worker can run, by name. Arguments are decoded here, so a job whose arguments
/// do not decode fails with `JobRegistry.UndecodableArguments` (the worker discards it).
public struct JobRegistry: Sendable {
    struct Entry: Sendable {
        let defaults: JobDefaults
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
        entries[K.name] = Entry(defaults: K.defaults) { argsJSON, context in
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

    func entry(for kind: String) -> Entry? { entries[kind] }
}
