import Foundation
import Jobs
import JWTKit
import QueueEngine

/// The claims of an access token. `exp`, `iss` and `aud` are required: a token without them does
/// not decode and is refused.
struct AccessClaims: JWTPayload {
    var sub: SubjectClaim
    var iss: IssuerClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim

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

    func issue(userID: UUID, now: Date = Date()) async throws -> String {
        let claims = AccessClaims(
            sub: .init(value: userID.idString), iss: .init(value: issuer), aud: .init(value: [audience]),
            exp: .init(value: now.addingTimeInterval(lifetime.seconds)), iat: .init(value: now))
        return try await keys.sign(claims)
    }

    /// The user id of a valid token; nil for anything else (bad shape, algorithm, signature, issuer,
    /// audience, expiry).
    func verify(_ token: String) async -> UUID? {
        guard headerAlgorithm(of: token) == Self.algorithm,
              let claims = try? await keys.verify(token, as: AccessClaims.self),
              claims.iss.value == issuer,
              (try? claims.aud.verifyIntendedAudience(includes: audience)) != nil
        else { return nil }
        return UUID(uuidString: claims.sub.value)
    }

    private func headerAlgorithm(of token: String) -> String? {
        guard let header = token.split(separator: ".", omittingEmptySubsequences: false).first,
              let data = Data(base64URLEncoded: String(header)),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["alg"] as? String
    }
}
