/// What a producer needs to know of a kind of job: its stored name, its typed arguments and its
/// defaults. A definition runs nothing; a `JobKind` adds the handler. Producers (the API, the
/// scheduler, `queuectl`) enqueue by definition, so they need no handler and none of its providers.
public protocol JobDefinition: Sendable {
    associatedtype Args: Codable & Sendable

    /// The stable name stored in `queue_jobs.kind`.
    static var name: String { get }
    static var defaults: JobDefaults { get }
}

extension JobDefinition {
    public static var defaults: JobDefaults { JobDefaults() }
}
