import Foundation
import Hummingbird
import Platform

/// Reads the caller's credential: `Authorization: Bearer <JWT or API key>` or `X-API-Key`. A request
/// without one goes on anonymous (routes that need a caller answer 401); a request with a bad one is
/// refused here, so a typo in a key never silently becomes an anonymous call. The metrics' paths are left
/// to their route: their bearer credential is the scrapers' `METRICS_TOKEN`, not a user's.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let database: APIDatabase
    let signIn: SignIn

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !MetricsRoutes.paths.contains(request.uri.path), let credential = Self.credential(in: request) else {
            return try await next(request, context)
        }
        var context = context
        if APIKeyFormat.looksLikeKey(credential) {
            let digest = SecretToken.digest(credential)
            let logger = database.logger
            var key = signIn.apiKeys.key(for: digest)
            if key == nil {
                let generation = signIn.apiKeys.generation
                key = try await database.read { try await APIKeyStore.authenticate(keyHash: digest, on: $0, logger: logger) }
                if let key { signIn.apiKeys.remember(key, digest: digest, lookedUpAt: generation) }
            }
            guard let key else { throw APIError(.unauthorized, .invalidToken, "the API key is not valid or was revoked") }
            context.caller = .apiKey(key.key, creatorRole: key.creatorRole)
            context.logger[metadataKey: "workspace.id"] = .string(key.key.workspaceID.idString)
        } else {
            guard let userID = try await signIn.signedInUser(token: credential) else {
                throw APIError(.unauthorized, .invalidToken, "the access token is not valid, has expired, or its session was ended")
            }
            context.caller = .user(userID)
            context.logger[metadataKey: "user.id"] = .string(userID.idString)
        }
        return try await next(request, context)
    }

    static func credential(in request: Request) -> String? {
        if let key = request.headers[.apiKey], !key.isEmpty { return key }
        guard let authorization = request.headers[.authorization] else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
