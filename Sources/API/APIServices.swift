import Foundation
import Logging
import Platform
import PostgresNIO
import QueueEngine

/// The parts the routes are built from, made once per process (or per test): `APIApplication`
/// hands each route group the ones it uses.
struct APIServices: Sendable {
    let configuration: APIConfiguration
    let database: APIDatabase
    let accessControl: AccessControl
    let signIn: SignIn
    let outbox: EmailOutbox
    let catalogue: JobCatalogue
    let limiter: RateLimiter
    /// Text conversations with an assistant, for the API's routes and the dashboard's chat panel.
    let conversations: TestConversations

    init(configuration: APIConfiguration, client: PostgresClient, publisher: WakeupPublisher?, logger: Logger) async {
        self.configuration = configuration
        let queue = JobQueue(client: client, publisher: publisher, logger: logger, replyTimeout: configuration.database.replyTimeout,
                             poolSize: configuration.database.poolSize)
        let database = APIDatabase(client: client, queue: queue, logger: logger)
        self.database = database
        accessControl = AccessControl(database: database, platformOperators: configuration.platformOperators)
        signIn = SignIn(tokens: await AccessTokens(secret: configuration.jwtSecret, issuer: configuration.jwtIssuer,
                                                   audience: configuration.jwtAudience, lifetime: configuration.accessTokenLifetime),
                        passwords: PasswordHasher(cost: UInt8(configuration.bcryptCost)),
                        sessions: UserSessions(lifetime: configuration.apiKeyCacheLifetime),
                        apiKeys: APIKeyCache(lifetime: configuration.apiKeyCacheLifetime), database: database)
        outbox = EmailOutbox(sealer: configuration.sealer)
        catalogue = PlatformJobs.catalogue
        limiter = RateLimiter(redis: configuration.redis, keyPrefix: configuration.rateLimits.keyPrefix, logger: logger)
        conversations = TestConversations(client: client, engine: configuration.providers.conversationEngine)
    }

    var logger: Logger { database.logger }
}
