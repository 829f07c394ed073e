import HummingbirdBcrypt
import NIOPosix

/// bcrypt on NIO's blocking thread pool: one hash at cost 12 is a quarter second of CPU, which must
/// not stall the cooperative pool that serves every other request.
struct PasswordHasher: Sendable {
    static let minimumCost: UInt8 = 12
    static let minimumLength = 10
    /// bcrypt reads at most 72 bytes; a longer password would be silently cut, so it is refused.
    static let maximumBytes = 72

    let cost: UInt8

    /// A hash to compare against when the account does not exist, so a login for an unknown address
    /// costs the same time as one with a wrong password.
    static let decoyHash = Bcrypt.hash("decoy password for unknown accounts", cost: minimumCost)

    /// Takes the cost as given: `BCRYPT_COST` refuses anything under `minimumCost`, and only the
    /// tests, which hash hundreds of throwaway passwords, build a configuration with less.
    init(cost: UInt8) {
        self.cost = cost
    }

    /// Checks length rules; the error names the field.
    static func validate(_ password: String, field: String = "password") throws {
        if password.count < minimumLength {
            throw APIError.validation(field: field, "must be at least \(minimumLength) characters")
        }
        if password.utf8.count > maximumBytes {
            throw APIError.validation(field: field, "must be at most \(maximumBytes) bytes")
        }
    }

    func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, hash: String) async throws -> Bool {
        guard password.utf8.count <= Self.maximumBytes else { return false }
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }
}
