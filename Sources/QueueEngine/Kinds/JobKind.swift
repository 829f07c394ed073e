/// A kind of job a worker can run: its definition (name, typed arguments, defaults) and the handler.
///
/// Handlers run at least once per job and may run more than once (a worker can die after the side
/// effect and before the ack), so they must be idempotent; `JobContext.idempotencyKey` is stable across
/// attempts for that purpose.
public protocol JobKind: JobDefinition {
    /// Runs one attempt. Throwing an error fails the attempt (retried with backoff until the kind's
    /// attempts are used up); return `.snooze` or `.discard` for outcomes that are not failures.
    func run(_ args: Args, context: JobContext) async throws -> JobOutcome
}

/// A handler for a definition declared apart from it, so producers can enqueue the definition
/// without linking the handler or the providers it calls; name and defaults are the definition's.
public protocol JobHandler: JobKind where Args == Definition.Args {
    associatedtype Definition: JobDefinition
}

extension JobHandler {
    public static var name: String { Definition.name }
    public static var defaults: JobDefaults { Definition.defaults }
}
