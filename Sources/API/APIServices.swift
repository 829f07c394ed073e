import Foundation
import Logging
import Platform
import PostgresNIO
import Providers
import QueueEngine

/// What the routes share: the database, the job queue, the kinds callers may enqueue, and the
/// token and password machinery. Built once per process (or per test).
struct APIServices: Sendable {
    let configuration: APIConfiguration
    let client: PostgresClient
    let queue: JobQueue
    let catalogue: JobCatalogue
    let tokens: AccessTokens
    let passwords: PasswordHasher
    let limiter: RateLimiter
    let apiKeys: APIKeyCache
    let sessions: UserSessions
    let logger: Logger

    init(configuration: APIConfiguration, client: PostgresClient, publisher: WakeupPublisher?, logger: Logger) async {
        self.configuration = configuration
        self.client = client
        let queue = JobQueue(client: client, publisher: publisher, logger: logger,
                             replyTimeout: configuration.database.replyTimeout)
        self.queue = queue
        catalogue = PlatformJobs.catalogue
        tokens = await AccessTokens(secret: configuration.jwtSecret, issuer: configuration.jwtIssuer,
                                    audience: configuration.jwtAudience, lifetime: configuration.accessTokenLifetime)
        passwords = PasswordHasher(cost: UInt8(configuration.bcryptCost))
        apiKeys = APIKeyCache(lifetime: configuration.apiKeyCacheLifetime)
        sessions = UserSessions(lifetime: configuration.apiKeyCacheLifetime)
        limiter = RateLimiter(redis: configuration.redis, keyPrefix: configuration.rateLimits.keyPrefix, logger: logger)
        self.logger = logger
    }

    /// The user an access token signs in: nil when the token is not valid, its user no longer
    /// exists, or the user was signed out everywhere after it was issued.
    func signedInUser(token: String) async throws -> UUID? {
        try await signedInSession(token: token)?.userID
    }

    /// The user and the session epoch of a token `signedInUser` accepts; a renewed token keeps
    /// that epoch, so renewing never carries a session past a sign-out.
    func signedInSession(token: String) async throws -> (userID: UUID, sessionEpoch: Int)? {
        guard let (userID, epoch) = await tokens.verify(token) else { return nil }
        let logger = self.logger
        let current = try await sessions.isCurrent(userID, epoch: epoch) {
            try await read { try await AccountStore.sessionEpoch(userID: userID, on: $0, logger: logger) }
        }
        return current ? (userID, epoch) : nil
    }

    /// A new access token for `userID` under their current session epoch.
    func issueAccessToken(userID: UUID, on connection: PostgresConnection) async throws -> String {
        guard let epoch = try await AccountStore.sessionEpoch(userID: userID, on: connection, logger: logger) else {
            throw APIError.unauthorized
        }
        return try await tokens.issue(userID: userID, sessionEpoch: epoch)
    }

    /// A read on one pooled connection, watched: a connection lost under it fails the read at once.
    func read<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withWatchedConnection(body)
    }

    /// Enqueues a built-in email inside the caller's transaction, so it goes out only if the change
    /// commits; `secret` names the variables (snake_case) that are sealed in the job's args.
    func enqueueEmail<Content: EmailContent>(_ content: Content, to address: EmailAddress, workspaceID: UUID? = nil,
                                             secret: Set<String> = [], in transaction: JobTransaction) async throws {
        let args = try SendEmailJob.Args(content, to: address, workspaceID: workspaceID, secret: secret, sealer: configuration.sealer)
        _ = try await transaction.enqueue(SendEmailJob.self, args, options: JobOptions(workspaceID: workspaceID?.idString))
    }

    /// A change and its audit row in one transaction; jobs enqueued through `JobTransaction` exist
    /// only if it commits. Watched and under the reply deadline like the engine's own statements.
    func write<T: Sendable>(_ body: @escaping @Sendable (JobTransaction) async throws -> T) async throws -> T {
        try await queue.watchedTransaction(body)
    }
}

extension APIServices {
    /// Text conversations with an assistant, for the API's routes and the dashboard's chat panel.
    var testConversations: TestConversations {
        TestConversations(client: client, engine: configuration.providers.conversationEngine)
    }
}
