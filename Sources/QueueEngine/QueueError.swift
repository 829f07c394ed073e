/// An error of the queue engine with a stable code that callers (the API, the CLI) map to their own
/// surfaces. The message is safe to show; database details never go into it.
public struct QueueError: Error, Sendable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let jobNotFound = Code(rawValue: "job_not_found")
        public static let invalidState = Code(rawValue: "invalid_state")
        public static let uniqueConflict = Code(rawValue: "unique_conflict")
        public static let invalidJob = Code(rawValue: "invalid_job")
        public static let unknownKind = Code(rawValue: "unknown_kind")
        public static let invalidArguments = Code(rawValue: "invalid_arguments")
        public static let migrationFailed = Code(rawValue: "migration_failed")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
