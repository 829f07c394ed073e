import Foundation
@testable import Providers
import Testing

/// The S3 storage against moto's server, which checks every request's SigV4 signature (test.sh
/// starts it and makes the key: S3_TEST_ENDPOINT, S3_TEST_ACCESS_KEY_ID, S3_TEST_SECRET_ACCESS_KEY).
@Suite(.timeLimit(.minutes(2))) struct S3FileStorageTests {
    static func storage(secret: String? = nil) throws -> S3FileStorage {
        let environment = ProcessInfo.processInfo.environment
        let endpoint = try #require(environment["S3_TEST_ENDPOINT"], "run through scripts/test.sh, which starts moto")
        return S3FileStorage(configuration: .init(
            endpoint: endpoint, region: "us-east-1", bucket: "files-test",
            accessKeyID: try #require(environment["S3_TEST_ACCESS_KEY_ID"]),
            secretAccessKey: try secret ?? #require(environment["S3_TEST_SECRET_ACCESS_KEY"])))
    }

    @Test func filesAreStoredReadBackAndDeleted() async throws {
        let storage = try Self.storage()
        try await storage.createBucket()
        let key = "\(UUID().uuidString.lowercased())/\(UUID().uuidString.lowercased())"
        let data = Data((0..<70_000).map { UInt8($0 % 256) })
        try await storage.put(data, key: key)
        let read = try await storage.withLocalFile(key: key) { url in try Data(contentsOf: url) }
        #expect(read == data)
        try await storage.delete(key: key)
        await #expect(throws: S3FileStorage.Failure(status: 404, code: "NoSuchKey")) {
            try await storage.withLocalFile(key: key) { _ in () }
        }
    }

    @Test func aRequestSignedWithTheWrongSecretIsRefusedByTheServer() async throws {
        try await Self.storage().createBucket()
        let forged = try Self.storage(secret: "not-the-secret")
        await #expect(throws: S3FileStorage.Failure(status: 403, code: "SignatureDoesNotMatch")) {
            try await forged.put(Data("x".utf8), key: "forged/object")
        }
    }
}
