/// Invalid configuration; the message names the variable so startup failures say what to fix.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let variable: String
    public let message: String

    public init(_ variable: String, _ message: String) {
        self.variable = variable
        self.message = message
    }

    public var description: String { "\(variable): \(message)" }
}
