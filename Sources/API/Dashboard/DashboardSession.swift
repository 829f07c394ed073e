import Crypto
import Foundation
import Hummingbird
import Platform

/// The dashboard's sign-in: an access token in an HttpOnly, SameSite=Strict cookie scoped to
/// `/dashboard`, re-issued on every page so the session lasts while it is used and ends
/// `ACCESS_TOKEN_TTL_SECONDS` after the last page. Forms carry a CSRF token derived from the
/// user and `JWT_SECRET`, checked on every POST besides the SameSite rule.
struct DashboardSession {
    static let cookieName = "vpai_dashboard"
    let database: APIDatabase
    let signIn: SignIn
    let mail: MailService
    let jwtSecret: String
    let accessTokenLifetime: Duration

    /// The signed-in user of the request and the session epoch of their cookie, or nil.
    func user(_ request: Request) async -> (userID: UUID, sessionEpoch: Int)? {
        guard let token = Self.cookie(Self.cookieName, in: request) else { return nil }
        return try? await signIn.signedInSession(token: token)
    }

    /// The `Set-Cookie` value of a session for `userID`: a renewal keeps its cookie's epoch (a
    /// cookie from before a sign-out is never renewed into a current one), a sign-in takes the
    /// user's current one.
    func cookie(for userID: UUID, sessionEpoch: Int? = nil) async throws -> String {
        let token: String
        if let sessionEpoch {
            token = try await signIn.tokens.issue(userID: userID, sessionEpoch: sessionEpoch)
        } else {
            token = try await database.read { try await signIn.issueAccessToken(userID: userID, on: $0) }
        }
        return "\(Self.cookieName)=\(token); Path=/dashboard; HttpOnly; SameSite=Strict; "
            + "Max-Age=\(Int(accessTokenLifetime.seconds))"
            + (mail.configuration.apiURL.hasPrefix("https://") ? "; Secure" : "")
    }

    static let signedOut = "\(cookieName)=; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=0"

    /// The form token of `userID`: an HMAC only this server can make.
    func csrfToken(for userID: UUID) -> String {
        let key = SymmetricKey(data: Data(jwtSecret.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Data("dashboard-csrf:\(userID.idString)".utf8), using: key)
        return Data(mac).base64URLEncoded
    }

    func checkCSRF(_ given: String?, userID: UUID) throws {
        let expected = csrfToken(for: userID)
        guard let given, SHA256.hash(data: Data(given.utf8)) == SHA256.hash(data: Data(expected.utf8)) else {
            throw APIError(.forbidden, .forbidden, "the form is stale or was not sent by this dashboard; reload the page")
        }
    }

    static func cookie(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0] == name { return String(parts[1]) }
            }
        }
        return nil
    }
}
