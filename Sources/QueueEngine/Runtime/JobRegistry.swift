import Foundation

/// The job kinds a worker can run, by name. Arguments are decoded here, so a job whose arguments
/// do not decode fails with `JobRegistry.UndecodableArguments` (the worker discards it).
public struct JobRegistry: Sendable {
    struct Entry: Sendable {
        let defaults: JobDefaults
        let run: @Sendable (String, JobContext) async throws -> JobOutcome
    }

    public typealias UndecodableArguments = JobCatalogue.UndecodableArguments

    private var entries: [String: Entry] = [:]
    /// The definitions of the registered kinds.
    public private(set) var catalogue = JobCatalogue()

    public init() {}

    public mutating func register<K: JobKind>(_ handler: K) {
        // One decoder per kind: creating a decoder per job costs more than decoding small arguments.
        let decoder = JSONDecoder()
        catalogue.register(K.self)
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

    public var kinds: [String] { catalogue.kinds }

    public func defaults(for kind: String) -> JobDefaults? { catalogue.defaults(for: kind) }

    public func check(kind: String, argsJSON: String) throws { try catalogue.check(kind: kind, argsJSON: argsJSON) }

    func entry(for kind: String) -> Entry? { entries[kind] }
}
