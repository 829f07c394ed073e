import Foundation
import Logging
import Platform
import PostgresNIO
import Providers
import QueueEngine

/// Runs `ExtractTextJob` (its arguments and defaults are defined in Platform, for producers).
public struct ExtractTextHandler: JobHandler {
    public typealias Definition = ExtractTextJob
    public typealias Args = ExtractTextJob.Args

    struct Result: Codable {
        let characters: Int
        let pages: Int?
        let truncated: Bool
    }

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
                try await KnowledgeStore.index(fileID: file.id, workspaceID: file.workspaceID, text: extracted.text, on: connection, logger: logger)
                try await WebhookEvents.fileProcessed(file, status: "ready", pages: extracted.pages, characters: extracted.characters, reason: nil,
                                                      on: connection, logger: logger)
            }
            return try .success(Result(characters: extracted.characters, pages: extracted.pages, truncated: extracted.truncated))
        } catch let failure as ExtractionFailure {
            try await client.transaction(logger: logger) { connection in
                guard try await FileStore.markFailed(id: file.id, reason: failure.description, on: connection, logger: logger) else { return }
                try await KnowledgeStore.remove(fileID: file.id, on: connection, logger: logger)
                try await WebhookEvents.fileProcessed(file, status: "failed", pages: nil, characters: nil, reason: failure.description,
                                                      on: connection, logger: logger)
            }
            return .discard(reason: failure.description)
        }
    }
}
