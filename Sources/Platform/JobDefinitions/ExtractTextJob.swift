import Foundation
import QueueEngine

/// Extracts an uploaded file's text into its row. A file that cannot give text (corrupt, password-
/// protected, too large, a stuck tool) ends `failed` with the reason and is not retried; storage or
/// database trouble is.
public enum ExtractTextJob: JobDefinition {
    public struct Args: Codable, Sendable {
        public var fileID: UUID

        public init(fileID: UUID) {
            self.fileID = fileID
        }
    }

    public static let name = "files.extract"
    public static var defaults: JobDefaults { JobDefaults(queue: "files", maxAttempts: 5, timeout: .seconds(300)) }
}
