import Foundation
import Hummingbird
import Metrics
import NIOCore
import Platform
import PostgresNIO
import Providers

/// `/auth`: register, login, refresh (rotating, with reuse detection), logout, and `/api/me`.
struct AuthRoutes {
    let database: APIDatabase
    let signIn: SignIn
    let outbox: EmailOutbox
    let limiter: RateLimiter
    let mail: MailService
    let accessTokenLifetime: Duration
    let refreshTokenLifetime: Duration
    let passwordResetLifetime: Duration
    let rateLimits: RateLimitPolicy

    struct RegisterBody: Decodable {
        let email: String
        let password: String
        let firstName: String?
        let lastName: String?

        enum CodingKeys: String, CodingKey {
            case email, password
            case firstName = "first_name", lastName = "last_name"
        }
    }

    /// JSON or form fields; `username` is accepted as the address, as OAuth2 password forms send it.
    struct LoginBody: Decodable {
        let email: String?
        let username: String?
        let password: String
    }

    struct RefreshBody: Decodable {
        let refreshToken: String

        enum CodingKeys: String, CodingKey { case refreshToken = "refresh_token" }
    }

    struct ForgotPasswordBody: Decodable {
        let email: String
    }

    struct ResetPasswordBody: Decodable {
        let token: String
        let password: String
    }

    struct Accepted: ResponseEncodable {
        let status = "accepted"
        let message: String
    }

    struct UserView: ResponseEncodable {
        let id: String
        let email: String
        let firstName: String
        let lastName: String
        let createdAt: Date

        init(_ user: UserRecord) {
            id = user.id.idString
            email = user.email
            firstName = user.firstName
            lastName = user.lastName
            createdAt = user.createdAt
        }
    }

    struct TokenPair: ResponseEncodable {
        let accessToken: String
        let refreshToken: String
        let tokenType = "bearer"
        let expiresIn: Int
        let user: UserView
    }

    func add(to router: Router<APIRequestContext>) {
        router.post("auth/register", use: register)
        router.post("auth/login", use: login)
        router.post("auth/refresh", use: refresh)
        router.post("auth/logout", use: logout)
        router.post("auth/forgot-password", use: forgotPassword)
        router.post("auth/reset-password", use: resetPassword)
        router.get("api/me", use: me)
    }

    @Sendable func register(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<TokenPair> {
        let body = try await RequestBody.decode(RegisterBody.self, from: request, context: context)
        let email = try Validation.email(body.email)
        try PasswordHasher.validate(body.password)
        let firstName = try Validation.text(body.firstName ?? "", field: "first_name", maxLength: 100, allowEmpty: true)
        let lastName = try Validation.text(body.lastName ?? "", field: "last_name", maxLength: 100, allowEmpty: true)
        let hash = try await signIn.passwords.hash(body.password)
        let logger = database.logger
        let pair = try await database.write { transaction in
            guard let user = try await AccountStore.createUser(
                email: email, firstName: firstName, lastName: lastName, passwordHash: hash,
                on: transaction.connection, logger: logger)
            else { throw APIError(.conflict, .emailTaken, "an account with this email address exists") }
            try await AuditLog.record(AuditEntry(workspaceID: nil, actorUserID: user.id, actorKeyID: nil, action: "user.register",
                                                 resourceType: "user", resourceID: user.id.idString, ip: context.remoteIP),
                                      on: transaction.connection, logger: logger)
            try await outbox.enqueue(WelcomeEmail(firstName: user.firstName, email: user.email),
                                            to: EmailAddress(user.email, name: user.fullName), in: transaction)
            return try await issueTokens(for: user, family: UUID(), on: transaction.connection)
        }
        return EditedResponse(status: .created, response: pair)
    }

    @Sendable func login(_ request: Request, context: APIRequestContext) async throws -> TokenPair {
        let body: LoginBody
        if request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
            let buffer = try await request.body.collect(upTo: context.maxUploadSize)
            do {
                body = try URLEncodedFormDecoder().decode(LoginBody.self, from: String(buffer: buffer))
            } catch {
                throw APIError.validation(field: "password", "username and password are required")
            }
        } else {
            body = try await RequestBody.decode(LoginBody.self, from: request, context: context)
        }
        guard let email = body.email ?? body.username else { throw APIError.validation(field: "email", "is required") }
        let user = try await authenticate(email: email, password: body.password, context: context)
        return try await database.write { transaction in
            try await issueTokens(for: user, family: UUID(), on: transaction.connection)
        }
    }

    /// The account these credentials open, after the per-account attempt limit; the sign-in is
    /// audited. Shared by the API's login and the dashboard's.
    func authenticate(email: String, password: String, context: APIRequestContext) async throws -> UserRecord {
        // Form bodies skip the JSON check; PostgreSQL text cannot hold U+0000.
        if email.contains("\u{0}") { throw APIError.validation(field: "email", "must be an email address") }
        try await spendLoginAttempt(email)
        let logger = database.logger
        let found = try await database.read { try await AccountStore.credentials(email: email, on: $0, logger: logger) }
        // Unknown addresses cost one bcrypt too, so timing does not tell which addresses have accounts.
        let matches = try await signIn.passwords.verify(password, hash: found?.passwordHash ?? PasswordHasher.decoyHash)
        guard let (user, _) = found, matches else {
            let reason = found == nil ? "unknown_account" : "wrong_password"
            Counter(label: "auth_failed_signins_total", dimensions: [("reason", reason)]).increment()
            try await database.write { transaction in
                try await AuditLog.record(AuditEntry(workspaceID: nil, actorUserID: found?.0.id, actorKeyID: nil, action: "user.login_failed",
                                                     resourceType: "user", resourceID: found?.0.id.idString, ip: context.remoteIP,
                                                     detailsJSON: #"{"reason": "\#(reason)"}"#),
                                          on: transaction.connection, logger: logger)
            }
            throw APIError(.unauthorized, .invalidCredentials, "wrong email address or password")
        }
        try await database.write { transaction in
            try await AuditLog.record(AuditEntry(workspaceID: nil, actorUserID: user.id, actorKeyID: nil, action: "user.login",
                                                 resourceType: "user", resourceID: user.id.idString, ip: context.remoteIP),
                                      on: transaction.connection, logger: logger)
        }
        return user
    }

    @Sendable func refresh(_ request: Request, context: APIRequestContext) async throws -> TokenPair {
        let body = try await RequestBody.decode(RefreshBody.self, from: request, context: context)
        let digest = SecretToken.digest(body.refreshToken)
        let logger = database.logger
        // The reuse verdict must be committed even though the request fails, so the transaction
        // returns it instead of throwing inside.
        let outcome: Result<TokenPair, APIError> = try await database.write { transaction in
            switch try await AccountStore.useRefreshToken(tokenHash: digest, on: transaction.connection, logger: logger) {
            case .valid(let userID, let family):
                guard let user = try await AccountStore.user(id: userID, on: transaction.connection, logger: logger) else {
                    return .failure(APIError(.unauthorized, .invalidToken, "the refresh token is not valid"))
                }
                return .success(try await issueTokens(for: user, family: family, on: transaction.connection))
            case .reused:
                logger.warning("refresh token reused; its chain is revoked", metadata: ["ip": "\(context.remoteIP ?? "?")"])
                return .failure(APIError(.unauthorized, .refreshTokenReused,
                                         "this refresh token was already used; every session from it is signed out"))
            case .expired, .unknown:
                return .failure(APIError(.unauthorized, .invalidToken, "the refresh token is not valid or has expired"))
            }
        }
        return try outcome.get()
    }

    @Sendable func logout(_ request: Request, context: APIRequestContext) async throws -> Response {
        let body = try await RequestBody.decode(RefreshBody.self, from: request, context: context)
        let digest = SecretToken.digest(body.refreshToken)
        let logger = database.logger
        _ = try await database.write { try await AccountStore.revokeFamily(ofTokenHash: digest, on: $0.connection, logger: logger) }
        return Response(status: .noContent)
    }

    @Sendable func me(_ request: Request, context: APIRequestContext) async throws -> UserView {
        let userID = try context.requireUser("API keys have no user; sign in to see your account")
        let logger = database.logger
        guard let user = try await database.read({ try await AccountStore.user(id: userID, on: $0, logger: logger) }) else {
            throw APIError.unauthorized
        }
        return UserView(user)
    }

    /// Starts a password reset: when the address has an account, a single-use token (stored as a
    /// digest) and the email carrying it are created in one transaction. The answer is the same
    /// whether or not the account exists, so it does not tell which addresses have accounts.
    @Sendable func forgotPassword(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<Accepted> {
        let body = try await RequestBody.decode(ForgotPasswordBody.self, from: request, context: context)
        let email = try Validation.email(body.email)
        try await spendAttempt("reset:\(email.lowercased())", "too many password-reset requests for this account; retry later")
        let logger = database.logger
        let lifetime = passwordResetLifetime
        let appURL = mail.configuration.appURL
        try await database.write { transaction in
            guard let user = try await AccountStore.credentials(email: email, on: transaction.connection, logger: logger)?.0 else { return }
            let token = SecretToken.generate()
            try await PasswordResetStore.create(userID: user.id, tokenHash: SecretToken.digest(token),
                                                expiresAt: Date().addingTimeInterval(lifetime.seconds), ip: context.remoteIP,
                                                on: transaction.connection, logger: logger)
            let link = "\(appURL)/reset-password?token=\(token)"
            try await outbox.enqueue(PasswordResetEmail(firstName: user.firstName, resetURL: link, validMinutes: Int(lifetime.seconds / 60)),
                                            to: EmailAddress(user.email, name: user.fullName), secret: ["reset_url"], in: transaction)
            try await AuditLog.record(AuditEntry(workspaceID: nil, actorUserID: user.id, actorKeyID: nil, action: "user.password_reset_request",
                                                 resourceType: "user", resourceID: user.id.idString, ip: context.remoteIP),
                                      on: transaction.connection, logger: logger)
        }
        return EditedResponse(status: .accepted, response: Accepted(message: "if an account has this address, a reset link is on its way"))
    }

    /// Sets a new password with a reset token: the token and every other open one of the user are
    /// spent, and every session of the user is signed out.
    @Sendable func resetPassword(_ request: Request, context: APIRequestContext) async throws -> Response {
        let body = try await RequestBody.decode(ResetPasswordBody.self, from: request, context: context)
        try PasswordHasher.validate(body.password)
        try await spendAttempt("reset-token:\(context.remoteIP ?? "unknown")", "too many password-reset attempts; retry later")
        let hash = try await signIn.passwords.hash(body.password)
        let logger = database.logger
        let digest = SecretToken.digest(body.token)
        let changed: UUID? = try await database.write { transaction in
            guard let userID = try await PasswordResetStore.use(tokenHash: digest, on: transaction.connection, logger: logger) else { return nil }
            try await AccountStore.setPassword(userID: userID, passwordHash: hash, on: transaction.connection, logger: logger)
            try await AccountStore.revokeAllRefreshTokens(userID: userID, on: transaction.connection, logger: logger)
            try await AccountStore.endSessions(userID: userID, on: transaction.connection, logger: logger)
            try await AuditLog.record(AuditEntry(workspaceID: nil, actorUserID: userID, actorKeyID: nil, action: "user.password_reset",
                                                 resourceType: "user", resourceID: userID.idString, ip: context.remoteIP),
                                      on: transaction.connection, logger: logger)
            return userID
        }
        if let userID = changed { signIn.sessions.forget(userID) }
        guard changed != nil else { throw APIError(.badRequest, .invalidToken, "the reset token is not valid, was used, or has expired") }
        return Response(status: .noContent)
    }

    /// Attempts per account, on top of the per-IP limit of `/auth`: guessing one account's password
    /// from many addresses is throttled too.
    private func spendLoginAttempt(_ email: String) async throws {
        try await spendAttempt("login:\(email.lowercased())", "too many sign-in attempts for this account; retry later")
    }

    /// Spends one attempt of the per-account rule (`RATE_LIMIT_LOGIN`) under `key`.
    private func spendAttempt(_ key: String, _ refusal: String) async throws {
        let decision = await limiter.check(rateLimits.login, key: key)
        guard decision.allowed else { throw RateLimitMiddleware.refusal(decision, refusal) }
    }

    /// A new access token and the next refresh token of `family`.
    private func issueTokens(for user: UserRecord, family: UUID, on connection: PostgresConnection) async throws -> TokenPair {
        let refreshToken = SecretToken.generate()
        try await AccountStore.insertRefreshToken(
            userID: user.id, familyID: family, tokenHash: SecretToken.digest(refreshToken),
            expiresAt: Date().addingTimeInterval(refreshTokenLifetime.seconds),
            on: connection, logger: database.logger)
        let access = try await signIn.issueAccessToken(userID: user.id, on: connection)
        return TokenPair(accessToken: access, refreshToken: refreshToken,
                         expiresIn: Int(accessTokenLifetime.seconds), user: UserView(user))
    }
}
