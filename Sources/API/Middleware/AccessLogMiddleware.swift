import Foundation
import Hummingbird
import Logging

/// One info line per request once it is answered (errors included, since it sits outside the error
/// middleware): method, path without the query (which may carry tokens), status, time taken and the
/// client's address. The request and trace ids come with the context's logger. `ACCESS_LOG=false`
/// leaves it out of the stack.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(request, context, status: response.status.code, since: started)
            return response
        } catch {
            log(request, context, status: 500, since: started)
            throw error
        }
    }

    private func log(_ request: Request, _ context: Context, status: Int, since started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        let milliseconds = Double(elapsed.components.seconds) * 1_000 + Double(elapsed.components.attoseconds) / 1e15
        context.logger.info("request", metadata: [
            "http.method": .string(request.method.rawValue),
            "http.path": .string(request.uri.path),
            "http.status": .stringConvertible(status),
            "duration_ms": .string(String(format: "%.2f", milliseconds)),
            "client.address": .string(context.remoteIP ?? "-"),
        ])
    }
}
