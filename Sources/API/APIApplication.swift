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
        router.middlewares.add(SecurityHeadersMiddleware())
        router.middlewares.add(MetricsMiddleware())
        router.middlewares.add(ClientAddressMiddleware(proxies: services.configuration.trustedProxies))
        router.middlewares.add(CanonicalPathMiddleware())
        router.middlewares.add(RequestIDMiddleware())
        router.middlewares.add(ErrorMiddleware())
        router.middlewares.add(AuthenticationMiddleware(services: services))
        router.middlewares.add(RateLimitMiddleware(limiter: services.limiter, policy: services.configuration.rateLimits))
        HealthRoutes(services: services).add(to: router)
        AuthRoutes(services: services).add(to: router)
        WorkspaceRoutes(services: services).add(to: router)
        MemberRoutes(services: services).add(to: router)
        APIKeyRoutes(services: services).add(to: router)
        JobRoutes(services: services).add(to: router)
        OperatorRoutes(services: services).add(to: router)
        AssistantRoutes(services: services).add(to: router)
        PhoneNumberRoutes(services: services).add(to: router)
        CreditRoutes(services: services).add(to: router)
        AnalyticsRoutes(services: services).add(to: router)
        ToolRoutes(services: services).add(to: router)
        WebhookRoutes(services: services).add(to: router)
        ScheduleRoutes(services: services).add(to: router)
        CallRoutes(services: services).add(to: router)
        FileRoutes(services: services).add(to: router)
        CampaignRoutes(services: services).add(to: router)
        EmailTemplateRoutes(services: services).add(to: router)
        PersonalDataRoutes(services: services).add(to: router)
        UnsubscribeRoutes(services: services).add(to: router)
        TwilioWebhookRoutes(services: services).add(to: router)
        DocsRoutes().add(to: router)
        MetricsRoutes(services: services).add(to: router)
        DashboardRoutes(services: services, pages: services.configuration.dashboardPages).add(to: router)
        return router
    }

    static func build(services: APIServices) -> some ApplicationProtocol {
        let configuration = services.configuration
        return Application(
            router: router(services: services),
            server: .http1(configuration: .init(additionalChannelHandlers: [MethodGate()])),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "VoicePartnerAI"),
            logger: services.logger)
    }
}
