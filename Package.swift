// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "VoicePartnerAI",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "API", targets: ["API"]),
        .executable(name: "Worker", targets: ["Worker"]),
        .executable(name: "Scheduler", targets: ["Scheduler"]),
        .executable(name: "queuectl", targets: ["QueueCTL"]),
        .executable(name: "Bench", targets: ["Bench"]),
        .library(name: "QueueEngine", targets: ["QueueEngine"]),
        .library(name: "Platform", targets: ["Platform"]),
        .library(name: "Jobs", targets: ["Jobs"]),
        .library(name: "VoicePartnerClient", targets: ["VoicePartnerClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/postgres-nio.git", exact: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", exact: "6.2.2"),
        // Only full Foundation; the swift-configuration trait is not used (configuration is read from the environment).
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", exact: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", exact: "2.8.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", exact: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", exact: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", exact: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types.git", exact: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", exact: "2.1.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", exact: "2.4.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", exact: "0.9.20"),
    ],
    targets: [
        // What every server process shares and that knows no database: the environment, log setup, durations,
        // the process start (service group, preparation before the servers).
        .target(
            name: "ServerSupport",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Telephone audio: μ-law, resampling, voice activity, barge-in and sentences for speech; no I/O.
        .target(name: "Audio"),
        // The generic queue engine: store, claim, ack, retry, rescue, prune, wake-ups, worker runtime, cron.
        .target(
            name: "QueueEngine",
            dependencies: [
                "ServerSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            resources: [.copy("Migrations")]
        ),
        // The webhook delivery signature, shared by the platform and the Swift client.
        .target(
            name: "WebhookSigning",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // The clients of everything outside: Twilio, mail (SMTP, SendGrid, SES, failover), file storage
        // (local, S3), transcription, and the outbound HTTP policy. They know no queue and no database.
        .target(
            name: "Providers",
            dependencies: [
                "ServerSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The domain: accounts, workspaces, keys, assistants, numbers, calls, files, credits, campaigns,
        // templates, analytics, reports, GDPR, tools and webhooks; their tables and queries, and the
        // definitions of the job kinds (name, arguments, defaults) that producers enqueue without handlers.
        .target(
            name: "Platform",
            dependencies: [
                "Audio", "Providers", "QueueEngine", "ServerSupport",
                "WebhookSigning",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            resources: [.copy("Migrations")]
        ),
        // The handlers of the platform's job kinds and the worker's registry: where providers meet the queue.
        .target(
            name: "Jobs",
            dependencies: [
                "Platform", "Providers", "QueueEngine",
                "WebhookSigning",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // Prometheus metrics for every process: the registry, `/metrics`, and a listener for processes without the API.
        .target(
            name: "Telemetry",
            dependencies: [
                "QueueEngine", "ServerSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The thin HTTP API: accounts, workspaces, keys and jobs, enqueueing through the engine.
        .executableTarget(
            name: "API",
            dependencies: [
                "Platform", "Providers", "QueueEngine", "ServerSupport", "Telemetry", "WebhookSigning",
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "Worker",
            dependencies: [
                "Jobs", "Platform", "QueueEngine", "ServerSupport", "Telemetry",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "Scheduler",
            dependencies: [
                "Platform", "QueueEngine", "ServerSupport", "Telemetry",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "QueueCTL",
            dependencies: [
                "Platform", "QueueEngine", "ServerSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        // The Swift client of the HTTP API, for Swift callers; its endpoints are checked against the OpenAPI document.
        .target(
            name: "VoicePartnerClient",
            dependencies: [
                "WebhookSigning",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The engine benchmark (bench/run.sh); figures go in docs/benchmarks.md.
        .executableTarget(
            name: "Bench",
            dependencies: [
                "Audio", "Jobs", "Platform", "Providers", "QueueEngine", "ServerSupport", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "bench",
            exclude: ["run.sh", "results"]
        ),
        // Holds the sources to the graph above: every import declared here, the arrows kept.
        .testTarget(name: "ArchitectureTests"),
        .testTarget(name: "ServerSupportTests", dependencies: ["ServerSupport", .product(name: "Logging", package: "swift-log")]),
        // What the test targets share: the engine's database harness and test job kinds, child
        // processes (binaries, private PostgreSQL and Redis servers), waiting on a condition with a
        // deadline, and local stand-ins of the providers' APIs.
        .target(
            name: "TestSupport",
            dependencies: [
                "QueueEngine", "ServerSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "AudioTests", dependencies: ["Audio"]),
        .testTarget(name: "ProvidersTests", dependencies: ["Providers", "ServerSupport", "TestSupport"]),
        .testTarget(
            name: "QueueEngineTests",
            dependencies: [
                "QueueEngine", "ServerSupport", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        // Whole processes: the built binaries as children, crashes, restarts of PostgreSQL and Redis,
        // the scheduler and queuectl as an operator runs them, the deployment manifests.
        .testTarget(
            name: "ProcessTests",
            dependencies: [
                "Jobs", "Platform", "QueueEngine", "ServerSupport", "TestSupport",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "PlatformTests",
            dependencies: ["Platform", "Providers", "ServerSupport", "WebhookSigning"],
            exclude: ["Fixtures/README.md", "Fixtures/opening-hours.source.html"],
            resources: [.copy("Fixtures/opening-hours.doc")]
        ),
        .testTarget(
            name: "JobsTests",
            dependencies: [
                "Jobs", "Platform", "QueueEngine",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "APITests",
            dependencies: [
                "API", "Audio", "Jobs", "Platform", "QueueEngine", "Providers", "ServerSupport", "Telemetry", "TestSupport",
                "VoicePartnerClient", "WebhookSigning",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ]
)
