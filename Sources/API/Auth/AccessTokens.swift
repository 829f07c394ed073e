import Foundation
import JWTKit
import Platform
import QueueEngine

/// The claims of an access token. `exp`, `iss` and `aud` are required: a token without them does
/// not decode and is refused. `sep` is the user's session epoch when it was issued (absent counts
/// as 0): a token from before the user was signed out everywhere is refused.
struct AccessClaims: JWTPayload {
    var sub: SubjectClaim
    var iss: IssuerClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var sep: Int?

    func verify(using algorithm: some JWTAlgorithm) throws {
        try exp.verifyNotExpired()
    }
}

/// Signs and verifies short-lived HS256 access tokens. The algorithm is pinned: a token whose header
/// names anything else (`none` included) is refused before its signature is looked at.
struct AccessTokens: Sendable {
    static let algorithm = "HS256"

    let keys: JWTKeyCollection
    let issuer: String
    let audience: String
    let lifetime: Duration

    init(secret: String, issuer: String, audience: String, lifetime: Duration) async {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.lifetime = lifetime
    }

    func issue(userID: UUID, sessionEpoch: Int, now: Date = Date()) async throws -> String {
        let claims = AccessClaims(
            sub: .init(value: userID.idString), iss: .init(value: issuer), aud: .init(value: [audience]),
            exp: .init(value: now.addingTimeInterval(lifetime.seconds)), iat: .init(value: now), sep: sessionEpoch)
        return try await keys.sign(claims)
    }

    /// The user id and session epoch of a valid token; nil for anything else (bad shape,
    /// algorithm, signature, issuer, audience, expiry). Whether the user and the session still
    /// exist is `UserSessions`' question.
    func verify(_ token: String) async -> (userID: UUID, sessionEpoch: Int)? {
        guard headerAlgorithm(of: token) == Self.algorithm,
              let claims = try? await keys.verify(token, as: AccessClaims.self),
              claims.iss.value == issuer,
              (try? claims.aud.verifyIntendedAudience(includes: audience)) != nil,
              let userID = UUID(uuidString: claims.sub.value)
        else { return nil }
        return (userID, claims.sep ?? 0)
    }

    private func headerAlgorithm(of token: String) -> String? {
        guard let header = token.split(separator: ".", omittingEmptySubsequences: false).first,
              let data = Data(base64URLEncoded: String(header)),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["alg"] as? String
    }
}
