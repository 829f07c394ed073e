import Hummingbird
import Logging
import ServiceLifecycle
import Telemetry

/// The router with every route group and the middleware stack, outermost first: security headers,
/// HTTP metrics (by route template and status, errors included), the client address, canonical
/// paths (before anything compares them), request ids, then
/// the error shape (so even authentication failures carry both), then authentication, then rate
/// limits (by caller where there is one).
enum APIApplication {
    static func router(services: APIServices) -> Router<APIRequestContext> {
        _ = Telemetry.registry
        let router = Router(context: APIRequestContext.self)
        let configuration = services.configuration
        let (database, accessControl, signIn, outbox) = (services.database, services.accessControl, services.signIn, services.outbox)
        let (providers, mail, sealer) = (configuration.providers, configuration.mail, configuration.sealer)
        router.middlewares.add(SecurityHeadersMiddleware())
        router.middlewares.add(MetricsMiddleware())
        router.middlewares.add(ClientAddressMiddleware(proxies: configuration.trustedProxies))
        router.middlewares.add(CanonicalPathMiddleware())
        router.middlewares.add(RequestIDMiddleware())
        router.middlewares.add(TraceContextMiddleware())
        if configuration.accessLog { router.middlewares.add(AccessLogMiddleware()) }
        router.middlewares.add(ErrorMiddleware())
        router.middlewares.add(AuthenticationMiddleware(database: database, signIn: signIn))
        router.middlewares.add(RateLimitMiddleware(limiter: services.limiter, policy: configuration.rateLimits))
        HealthRoutes(database: database, redis: configuration.redis).add(to: router)
        let auth = AuthRoutes(database: database, signIn: signIn, outbox: outbox, limiter: services.limiter, mail: mail,
                              accessTokenLifetime: configuration.accessTokenLifetime, refreshTokenLifetime: configuration.refreshTokenLifetime,
                              passwordResetLifetime: configuration.passwordResetLifetime, rateLimits: configuration.rateLimits)
        auth.add(to: router)
        WorkspaceRoutes(database: database, accessControl: accessControl).add(to: router)
        MemberRoutes(database: database, accessControl: accessControl, signIn: signIn, outbox: outbox, mail: mail,
                     inviteLifetime: configuration.inviteLifetime).add(to: router)
        APIKeyRoutes(database: database, accessControl: accessControl, signIn: signIn).add(to: router)
        JobRoutes(database: database, accessControl: accessControl, catalogue: services.catalogue).add(to: router)
        OperatorRoutes(database: database, accessControl: accessControl).add(to: router)
        AssistantRoutes(database: database, accessControl: accessControl, conversations: services.conversations).add(to: router)
        PhoneNumberRoutes(database: database, accessControl: accessControl, providers: providers).add(to: router)
        CreditRoutes(database: database, accessControl: accessControl).add(to: router)
        AnalyticsRoutes(database: database, accessControl: accessControl).add(to: router)
        ToolRoutes(database: database, accessControl: accessControl, providers: providers, sealer: sealer).add(to: router)
        WebhookRoutes(database: database, accessControl: accessControl, providers: providers, sealer: sealer).add(to: router)
        ScheduleRoutes(database: database, accessControl: accessControl, catalogue: services.catalogue, cronFolder: configuration.cronFolder)
            .add(to: router)
        CallRoutes(database: database, accessControl: accessControl, providers: providers).add(to: router)
        FileRoutes(database: database, accessControl: accessControl, providers: providers).add(to: router)
        CampaignRoutes(database: database, accessControl: accessControl, mail: mail).add(to: router)
        EmailTemplateRoutes(database: database, accessControl: accessControl, mail: mail).add(to: router)
        PersonalDataRoutes(database: database, signIn: signIn, providers: providers, deletionGrace: configuration.deletionGrace).add(to: router)
        UnsubscribeRoutes(database: database, sealer: sealer).add(to: router)
        TwilioWebhookRoutes(database: database, providers: providers, sealer: sealer).add(to: router)
        DocsRoutes().add(to: router)
        if configuration.metricsListen == nil { metricsRoutes(services).add(to: router) }
        let session = DashboardSession(database: database, signIn: signIn, mail: mail, jwtSecret: configuration.jwtSecret,
                                       accessTokenLifetime: configuration.accessTokenLifetime)
        DashboardRoutes(database: database, accessControl: accessControl, catalogue: services.catalogue, conversations: services.conversations,
                        cronFolder: configuration.cronFolder, pages: configuration.dashboardPages, session: session, auth: auth).add(to: router)
        return router
    }

    static func metricsRoutes(_ services: APIServices) -> MetricsRoutes {
        MetricsRoutes(database: services.database, metricsToken: services.configuration.metricsToken,
                      metricsQueueRefresh: services.configuration.metricsQueueRefresh)
    }

    /// With `METRICS_PORT` set, the metrics (and a liveness probe) on a listener of their own, off the
    /// public port: errors keep the API's shape there too.
    static func metricsListener(services: APIServices) -> (any Service)? {
        guard let (host, port) = services.configuration.metricsListen else { return nil }
        let router = Router(context: APIRequestContext.self)
        router.middlewares.add(ErrorMiddleware())
        metricsRoutes(services).add(to: router)
        router.get("health/live") { _, _ in "ok\n" }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "VoicePartnerAI"),
                           logger: services.logger)
    }

    static func build(services: APIServices) -> some ApplicationProtocol {
        let configuration = services.configuration
        let streams = MediaStreamRoutes(database: services.database, providers: configuration.providers, sealer: configuration.sealer)
        return Application(
            router: router(services: services),
            server: .http1WebSocketUpgrade(configuration: .init(http1: .init(additionalChannelHandlers: [MethodGate()]))) { request, _, logger in
                streams.shouldUpgrade(request, logger: logger)
            },
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "VoicePartnerAI"),
            logger: services.logger)
    }
}
