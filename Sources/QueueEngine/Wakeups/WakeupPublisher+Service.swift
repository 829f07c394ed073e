import ServiceLifecycle

extension WakeupPublisher: Service {
    /// Publishes until graceful shutdown, then stops its thread.
    public func run() async throws {
        start()
        try? await gracefulShutdown()
        stop()
    }
}
