/// A coalescing wake-up: any number of `fire()` calls while nobody waits become one wake-up.
final class Signal: Sendable {
    let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func fire() { continuation.yield() }

    func finish() { continuation.finish() }

    /// Waits until `finish()` (or the task's cancellation).
    func wait() async {
        for await _ in stream {}
    }
}
