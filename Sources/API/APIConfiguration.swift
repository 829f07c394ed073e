import Logging
import Platform
import QueueEngine
import ServerSupport
import Telemetry

/// Everything the API process reads from its environment, read once at startup.
struct APIConfiguration: Sendable {
    static let defaultPort = 8080
    static let defaultAccessTokenLifetime: Duration = .seconds(900)
    static let defaultRefreshTokenLifetime: Duration = .seconds(30 * 86_400)
    static let defaultInviteLifetime: Duration = .seconds(7 * 86_400)
    /// JSON bodies above this are refused with 413 (uploads have their own limit).
    static let defaultMaxJSONBody = 1 << 20
    static let minimumSecretBytes = 32

    var database: DatabaseConfiguration
    var redis: RedisConfiguration?
    var host: String
    var port: Int
    var jwtSecret: String
    var jwtIssuer: String
    var jwtAudience: String
    var accessTokenLifetime: Duration
    var refreshTokenLifetime: Duration
    var inviteLifetime: Duration
    var bcryptCost: Int
    var apiKeyCacheLifetime: Duration
    /// The scheduler's folder of schedule files, shown by `GET /api/schedules`.
    var cronFolder: String
    /// Users (by address) who run the platform: they grant credits to workspaces.
    var platformOperators: Set<String>
    var rateLimits: RateLimitPolicy
    var migrateOnStart: Bool
    /// Load balancers whose `X-Forwarded-For` names the client (`TRUSTED_PROXIES`; none by default).
    var trustedProxies: TrustedProxies
    /// When set, `/metrics` and `/health/metrics` move off the public port to `METRICS_HOST:METRICS_PORT`
    /// (the image sets 9090 on all interfaces), where Prometheus scrapes them and callers cannot.
    var metricsListen: (host: String, port: Int)?
    /// When set, `/metrics` answers only `Authorization: Bearer <METRICS_TOKEN>`.
    var metricsToken: String?
    /// One info line per request (`ACCESS_LOG`, on by default).
    var accessLog: Bool
    /// OTLP export of the requests' spans, when an endpoint is configured.
    var spanExporter: OTLPSpanExporter?
    /// How often `/metrics` re-reads the queue statistics at most.
    var metricsQueueRefresh: Duration
    /// The dashboard's page templates (`TEMPLATES_DIR/dashboard`), checked at startup.
    var dashboardPages: DashboardPages
    /// Twilio (ending calls, checking webhook signatures) and the calling rules.
    var providers: PlatformProviders
    /// Templates (checked at startup), links and the key that seals tokens carried by email jobs.
    var mail: MailService
    var sealer: SecretSealer
    var passwordResetLifetime: Duration
    /// How long after the request an account deletion runs (it can be cancelled until then).
    var deletionGrace: Duration

    init(environment: Environment) throws {
        database = try DatabaseConfiguration(environment: environment)
        redis = try RedisConfiguration.from(environment)
        providers = try PlatformProviders(environment: environment)
        guard let mail = providers.mail, let sealer = mail.sealer else {
            throw ConfigurationError("SECRETS_KEY", "is required: at least \(SecretSealer.minimumSecretBytes) random bytes that seal the tokens "
                                     + "email jobs carry (shared with the worker)")
        }
        self.mail = mail
        self.sealer = sealer
        passwordResetLifetime = try environment.seconds("PASSWORD_RESET_TTL_SECONDS", default: .seconds(3_600), minimum: 60)
        deletionGrace = .seconds(3_600 * (try environment.int("GDPR_DELETION_GRACE_HOURS", default: 72, range: 0...8_760)))
        host = environment.string("API_HOST", default: "127.0.0.1")
        port = try environment.int("API_PORT", default: Self.defaultPort, range: 0...65_535)
        guard let secret = environment["JWT_SECRET"] else {
            throw ConfigurationError("JWT_SECRET", "is required: at least \(Self.minimumSecretBytes) random bytes that sign access tokens")
        }
        guard secret.utf8.count >= Self.minimumSecretBytes else {
            throw ConfigurationError("JWT_SECRET", "must be at least \(Self.minimumSecretBytes) bytes long")
        }
        jwtSecret = secret
        jwtIssuer = environment.string("JWT_ISSUER", default: "voicepartner")
        jwtAudience = environment.string("JWT_AUDIENCE", default: "voicepartner-api")
        accessTokenLifetime = try environment.seconds("ACCESS_TOKEN_TTL_SECONDS", default: Self.defaultAccessTokenLifetime)
        refreshTokenLifetime = try environment.seconds("REFRESH_TOKEN_TTL_SECONDS", default: Self.defaultRefreshTokenLifetime)
        inviteLifetime = try environment.seconds("INVITE_TTL_SECONDS", default: Self.defaultInviteLifetime)
        bcryptCost = try environment.int("BCRYPT_COST", default: Int(PasswordHasher.minimumCost), range: Int(PasswordHasher.minimumCost)...16)
        platformOperators = Set(environment.string("PLATFORM_OPERATOR_EMAILS", default: "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty })
        cronFolder = environment.string("SCHEDULER_CRON_DIR", default: "cron")
        apiKeyCacheLifetime = try environment.seconds("API_KEY_CACHE_SECONDS", default: APIKeyCache.defaultLifetime, minimum: 0)
        rateLimits = try RateLimitPolicy(environment: environment)
        trustedProxies = try TrustedProxies(parsing: environment.string("TRUSTED_PROXIES", default: ""))
        migrateOnStart = try environment.bool("MIGRATE_ON_START", default: true)
        metricsToken = environment["METRICS_TOKEN"]
        if environment["METRICS_PORT"] != nil {
            let metricsPort = try environment.int("METRICS_PORT", default: 0, range: 1...65_535)
            metricsListen = (environment.string("METRICS_HOST", default: "127.0.0.1"), metricsPort)
        }
        accessLog = try environment.bool("ACCESS_LOG", default: true)
        spanExporter = try Telemetry.spanExporter(environment: environment, process: "api", logger: Logger(label: "api.traces"))
        metricsQueueRefresh = try environment.milliseconds("METRICS_QUEUE_REFRESH_MS", default: .seconds(5), minimum: 0)
        dashboardPages = try DashboardPages(folder: mail.configuration.templatesFolder, appName: mail.configuration.appName)
    }
}
