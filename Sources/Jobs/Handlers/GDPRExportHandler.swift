import Foundation
import Platform
import PostgresNIO
import Providers
import QueueEngine

/// Runs `GDPRExportJob` (its arguments and defaults are defined in Platform, for producers).
public struct GDPRExportHandler: JobHandler {
    public typealias Definition = GDPRExportJob
    public typealias Args = GDPRExportJob.Args

    struct Result: Codable {
        let bytes: Int
    }

    let client: PostgresClient
    let storage: any FileStorage
    let mail: MailService?
    let lifetime: Duration

    public init(client: PostgresClient, storage: any FileStorage, mail: MailService?, lifetime: Duration = .seconds(7 * 86_400)) {
        self.client = client
        self.storage = storage
        self.mail = mail
        self.lifetime = lifetime
    }

    public func run(_ args: Args, context: JobContext) async throws -> JobOutcome {
        let logger = context.logger
        let loaded = try await client.withConnection { connection -> (GDPRRequest, UserRecord?)? in
            guard let request = try await GDPRStore.request(id: args.requestID, on: connection, logger: logger) else { return nil }
            try await GDPRStore.markRunning(id: request.id, on: connection, logger: logger)
            return (request, try await AccountStore.user(id: request.userID, on: connection, logger: logger))
        }
        guard let (request, user) = loaded else { return .discard(reason: "request \(args.requestID) no longer exists") }
        guard request.kind == "export", request.state == "pending" || request.state == "running" else { return .success }
        guard let user else {
            try await client.withConnection { try await GDPRStore.fail(id: request.id, error: "the user no longer exists", on: $0, logger: logger) }
            return .discard(reason: "the user no longer exists")
        }
        let storage = self.storage
        let archive = try await client.withConnection { connection in
            try await PersonalDataExport.archive(userID: user.id, email: user.email, storage: storage, on: connection, logger: logger)
        }
        let key = "exports/\(user.id.uuidString.lowercased())/\(request.id.uuidString.lowercased())"
        try await storage.put(archive, key: key)
        let expiresAt = Date().addingTimeInterval(lifetime.seconds)
        let mail = self.mail
        try await client.transaction(logger: logger) { connection in
            try await GDPRStore.completeExport(id: request.id, storageKey: key, sizeBytes: Int64(archive.count), expiresAt: expiresAt,
                                               on: connection, logger: logger)
            guard let mail else { return }
            let formatter = ISO8601DateFormatter()
            let content = GDPRExportReadyEmail(firstName: user.firstName.isEmpty ? "there" : user.firstName,
                                               downloadURL: "\(mail.configuration.appURL)/account/exports/\(request.id.uuidString.lowercased())",
                                               expiresAt: formatter.string(from: expiresAt))
            _ = try await JobStore.insert(try NewJob(SendEmailJob.self,
                                                     SendEmailJob.Args(content, to: EmailAddress(user.email, name: user.fullName))),
                                          on: connection, logger: logger)
        }
        return try .success(Result(bytes: archive.count))
    }
}
