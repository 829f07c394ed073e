import PostgresNIO

/// A one-line description of an error for logs: for database errors the SQLSTATE and the server's
/// message, without the query text and binds that `String(reflecting:)` would print.
public func logDescription(_ error: any Error) -> String {
    guard let error = error as? PSQLError else { return String(reflecting: error) }
    var parts = ["\(error.code)"]
    if let state = error.serverInfo?[.sqlState] { parts.append("sqlstate \(state)") }
    if let message = error.serverInfo?[.message] { parts.append(message) }
    if let underlying = error.underlying { parts.append("underlying: \(logDescription(underlying))") }
    return parts.joined(separator: ", ")
}
