/// A schedule file that cannot be used: names the file, the entry (when known) and the problem.
public struct ScheduleFileError: Error, Equatable, CustomStringConvertible {
    public let file: String
    public let entry: String?
    public let problem: String

    public init(file: String, entry: String?, problem: String) {
        self.file = file
        self.entry = entry
        self.problem = problem
    }

    public var description: String {
        if let entry { return "\(file): entry \"\(entry)\": \(problem)" }
        return "\(file): \(problem)"
    }
}
