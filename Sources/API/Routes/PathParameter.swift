import Foundation
import Hummingbird

/// Ids in paths. A malformed id answers like an unknown one (404): a caller learns nothing from
/// the difference.
enum PathParameter {
    static func uuid(_ context: APIRequestContext, _ name: String) throws -> UUID {
        guard let text = context.parameters.get(name), let id = UUID(uuidString: text) else {
            throw APIError.notFound(name)
        }
        return id
    }

    static func int64(_ context: APIRequestContext, _ name: String) throws -> Int64 {
        guard let text = context.parameters.get(name), let id = Int64(text), id > 0 else {
            throw APIError.notFound(name)
        }
        return id
    }
}

extension UUID {
    /// Ids as the API writes them everywhere (bodies, headers, audit rows): lowercase.
    var idString: String { uuidString.lowercased() }
}
