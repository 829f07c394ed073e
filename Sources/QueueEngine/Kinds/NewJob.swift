import Foundation
import ServerSupport

/// A job ready to be inserted: its kind's name, its arguments as JSON text, and resolved options.
public struct NewJob: Sendable, Equatable {
    /// The instants a job may be due at. Earlier or later ones come from a typo or a hostile
    /// caller; PostgreSQL, the timers and the clock arithmetic of claims all stay far inside them.
    public static let runAtRange = Date(timeIntervalSince1970: 946_684_800)...Date(timeIntervalSince1970: 253_402_300_799)
    /// The longest delay a job may be given (a hundred years).
    public static let maximumDelay: Duration = .seconds(100 * 366 * 86_400)

    public var kind: String
    public var argsJSON: String
    public var queue: String
    public var priority: Int16
    public var runAt: Date?
    public var maxAttempts: Int
    public var timeout: Duration?
    public var uniqueKey: String?
    public var workspaceID: String?
    public var tags: [String]
    public var concurrency: ConcurrencyLimit?
    /// The W3C `traceparent` of the work that enqueued the job (`TraceContext.current` when it was
    /// made); the worker runs the job as a child span of it.
    public var traceparent: String?

    /// A typed job: arguments encoded with the kind's `Args`, the kind's defaults under `options`.
    public init<D: JobDefinition>(_ kind: D.Type, _ args: D.Args, options: JobOptions = JobOptions()) throws {
        let data = try JSONEncoder().encode(args)
        try self.init(kind: D.name, argsJSON: String(decoding: data, as: UTF8.self), defaults: D.defaults, options: options)
    }

    /// An untyped job (CLI, API): `argsJSON` must be a JSON object.
    public init(kind: String, argsJSON: String, defaults: JobDefaults = JobDefaults(), options: JobOptions = JobOptions()) throws {
        guard !kind.isEmpty, kind.utf8.count <= 200 else {
            throw QueueError(.invalidJob, "kind must be 1 to 200 bytes")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(argsJSON.utf8)), object is [String: Any] else {
            throw QueueError(.invalidArguments, "args of \(kind) must be a JSON object")
        }
        let queue = options.queue ?? defaults.queue
        guard !queue.isEmpty, queue.utf8.count <= 128 else {
            throw QueueError(.invalidJob, "queue must be 1 to 128 bytes")
        }
        let maxAttempts = options.maxAttempts ?? defaults.maxAttempts
        guard maxAttempts >= 1 else { throw QueueError(.invalidJob, "max attempts must be at least 1") }
        if let limit = options.concurrency, limit.limit < 1 || limit.key.isEmpty {
            throw QueueError(.invalidJob, "a concurrency limit needs a key and a limit of at least 1")
        }
        self.kind = kind
        self.argsJSON = argsJSON
        self.queue = queue
        self.priority = options.priority ?? defaults.priority
        if let runAt = options.runAt {
            guard Self.runAtRange.contains(runAt) else {
                throw QueueError(.invalidJob, "run at must be between 2000-01-01 and 9999-12-31 (UTC)")
            }
            self.runAt = runAt
        } else if let delay = options.delay, delay > .zero {
            guard delay <= Self.maximumDelay else { throw QueueError(.invalidJob, "the delay may be at most a hundred years") }
            self.runAt = Date().addingTimeInterval(delay.seconds)
        } else {
            self.runAt = nil
        }
        self.maxAttempts = maxAttempts
        self.timeout = options.timeout ?? defaults.timeout
        self.uniqueKey = options.uniqueKey
        self.workspaceID = options.workspaceID
        self.tags = options.tags
        self.concurrency = options.concurrency
        self.traceparent = TraceContext.current?.traceparent
    }
}

/// What an enqueue did: the job's id, and whether it was an existing job with the same unique key.
public struct EnqueueResult: Sendable, Equatable {
    public let id: Int64
    public let isDuplicate: Bool

    public init(id: Int64, isDuplicate: Bool) {
        self.id = id
        self.isDuplicate = isDuplicate
    }
}
