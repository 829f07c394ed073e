import Foundation
import Logging
import PostgresNIO
import Providers
import QueueEngine

/// Extracts an uploaded file's text into its row. A file that cannot give text (corrupt, password-
/// protected, too large, a stuck tool) ends `failed` with the reason and is not retried; storage or
/// database trouble is.
public struct ExtractTextJob: JobKind {
    public struct Args: Codable, Sendable {
        public var fileID: UUID

        public init(fileID: UUID) {
            self.fileID = fileID
        }
    }

    struct Result: Codable {
        let characters: Int
        let pages: Int?
        let truncated: Bool
    }

    public static let name = "files.extract"
    public static var defaults: JobDefaults { JobDefaults(queue: "files", maxAttempts: 5, timeout: .seconds(300)) }

    let client: PostgresClient
    let storage: any FileStorage
    let limits: ExtractionLimits

    public init(client: PostgresClient, storage: any FileStorage, limits: ExtractionLimits) {
        self.client = client
        self.storage = storage
        self.limits = limits
    }

    public func run(_ args: Args, context: JobContext) async throws -> JobOutcome {
        let logger = context.logger
        guard let file = try await client.withConnection({ try await FileStore.file(id: args.fileID, on: $0, logger: logger) }) else {
            return .discard(reason: "file \(args.fileID) no longer exists")
        }
        if file.status != "uploaded" { return .success }
        let limits = self.limits
        do {
            let extracted = try await storage.withLocalFile(key: file.storageKey) { url in
                try await TextExtractor.extract(url, format: file.format, limits: limits)
            }
            try await client.transaction(logger: logger) { connection in
                guard try await FileStore.markReady(id: file.id, extracted, on: connection, logger: logger) else { return }
                try await WebhookEvents.fileProcessed(file, status: "ready", pages: extracted.pages, characters: extracted.characters, reason: nil,
                                                      on: connection, logger: logger)
            }
            return try .success(Result(characters: extracted.characters, pages: extracted.pages, truncated: extracted.truncated))
        } catch let failure as ExtractionFailure {
            try await client.transaction(logger: logger) { connection in
                guard try await FileStore.markFailed(id: file.id, reason: failure.description, on: connection, logger: logger) else { return }
                try await WebhookEvents.fileProcessed(file, status: "failed", pages: nil, characters: nil, reason: failure.description,
                                                      on: connection, logger: logger)
            }
            return .discard(reason: failure.description)
        }
    }
}
