import Foundation
@testable import Providers
import ServerSupport
import Testing
import TestSupport

/// The AWS credential chain: which source the environment names, in the SDKs' order, and each
/// source fetched from a server that speaks its documented format — STS (moto) for a web identity,
/// the container endpoint and IMDSv2 (a stand-in) — with the temporary credentials then signing S3
/// requests that moto checks, session token included.
@Suite(.timeLimit(.minutes(2))) struct AWSCredentialChainTests {
    static func environment(_ values: [String: String]) -> Environment {
        Environment(["HOME": "/nonexistent-home-\(UUID().uuidString)"].merging(values) { $1 })
    }

    @Test func theChainTakesTheFirstSourceTheEnvironmentNames() throws {
        let keys = (id: "S3_ACCESS_KEY_ID", secret: "S3_SECRET_ACCESS_KEY")
        let everything = ["S3_ACCESS_KEY_ID": "named", "S3_SECRET_ACCESS_KEY": "s", "AWS_ACCESS_KEY_ID": "env",
                          "AWS_SECRET_ACCESS_KEY": "e", "AWS_SESSION_TOKEN": "t", "AWS_WEB_IDENTITY_TOKEN_FILE": "/token",
                          "AWS_ROLE_ARN": "arn:aws:iam::1:role/r", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/x"]
        #expect(try AWSCredentialChain.source(Self.environment(everything), keys: keys)
                == .fixed(AWSCredentials(accessKeyID: "named", secretAccessKey: "s")))
        var rest = everything.filter { !$0.key.hasPrefix("S3_") }
        #expect(try AWSCredentialChain.source(Self.environment(rest), keys: keys)
                == .fixed(AWSCredentials(accessKeyID: "env", secretAccessKey: "e", sessionToken: "t")))
        rest = rest.filter { !["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"].contains($0.key) }
        guard case .webIdentity(let role, "/token", _, "https://sts.eu-west-1.amazonaws.com") =
                try AWSCredentialChain.source(Self.environment(rest.merging(["AWS_REGION": "eu-west-1"]) { $1 }), keys: keys) else {
            Issue.record("a web identity with a region uses the regional STS endpoint")
            return
        }
        #expect(role == "arn:aws:iam::1:role/r")
        rest = rest.filter { !$0.key.hasPrefix("AWS_WEB") && $0.key != "AWS_ROLE_ARN" }
        #expect(try AWSCredentialChain.source(Self.environment(rest), keys: keys)
                == .container(url: "http://169.254.170.2/v2/credentials/x", token: nil, tokenFile: nil))
        #expect(try AWSCredentialChain.source(Self.environment([:])) == .instanceMetadata(endpoint: "http://169.254.169.254"))
    }

    /// S3 and SES take their own keys when set, else the chain; the region and endpoint follow AWS's names.
    @Test func storageAndMailFallBackToTheChainAndTheStandardRegion() throws {
        let environment = Self.environment(["STORAGE_BACKEND": "s3", "S3_BUCKET": "voice", "AWS_REGION": "eu-west-1",
                                            "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret", "SES_REGION": "eu-west-1"])
        let storage = try #require(try StorageConfiguration.storage(environment) as? S3FileStorage)
        #expect(storage.configuration.endpoint == "https://s3.eu-west-1.amazonaws.com")
        #expect(storage.configuration.region == "eu-west-1")
        #expect(storage.configuration.credentials.source == .fixed(AWSCredentials(accessKeyID: "AKIDENV", secretAccessKey: "env-secret")))
        let ses = try #require(try SESConfiguration.from(environment))
        #expect(ses.endpoint == "https://email.eu-west-1.amazonaws.com")
        #expect(ses.credentials.source == .fixed(AWSCredentials(accessKeyID: "AKIDENV", secretAccessKey: "env-secret")))
        #expect(throws: ConfigurationError.self) { try StorageConfiguration.storage(Self.environment(["STORAGE_BACKEND": "s3"])) }
    }

    @Test(arguments: [
        (["S3_ACCESS_KEY_ID": "only-the-id"], "S3_SECRET_ACCESS_KEY"),
        (["AWS_SECRET_ACCESS_KEY": "only-the-secret"], "AWS_ACCESS_KEY_ID"),
        (["AWS_WEB_IDENTITY_TOKEN_FILE": "/token"], "AWS_ROLE_ARN"),
        (["AWS_PROFILE": "nowhere"], "AWS_PROFILE"),
        (["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://203.0.113.9/creds"], "AWS_CONTAINER_CREDENTIALS_FULL_URI"),
        (["AWS_EC2_METADATA_DISABLED": "true"], "S3_ACCESS_KEY_ID"),
    ])
    func aSourceNamedHalfWayIsAStartupError(values: [String: String], variable: String) {
        #expect {
            try AWSCredentialChain.source(Self.environment(values), keys: ("S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"))
        } throws: { error in
            (error as? ConfigurationError)?.description.contains(variable) == true
        }
    }

    @Test func profilesAreReadFromTheCredentialsAndTheConfigFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("aws-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent(".aws"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
            # a comment
            [default]
            aws_access_key_id = AKIDDEFAULT
            aws_secret_access_key = default-secret

            [work]
            aws_access_key_id=AKIDWORK
            aws_secret_access_key=work-secret
            aws_session_token = work-token
            """.write(to: folder.appendingPathComponent(".aws/credentials"), atomically: true, encoding: .utf8)
        try """
            [profile ops]
            region = eu-central-1
            aws_access_key_id = AKIDOPS
            aws_secret_access_key = ops-secret
            """.write(to: folder.appendingPathComponent(".aws/config"), atomically: true, encoding: .utf8)
        func source(_ values: [String: String]) throws -> AWSCredentialProvider.Source {
            try AWSCredentialChain.source(Environment(["HOME": folder.path].merging(values) { $1 }))
        }
        #expect(try source([:]) == .fixed(AWSCredentials(accessKeyID: "AKIDDEFAULT", secretAccessKey: "default-secret")))
        #expect(try source(["AWS_PROFILE": "work"])
                == .fixed(AWSCredentials(accessKeyID: "AKIDWORK", secretAccessKey: "work-secret", sessionToken: "work-token")))
        #expect(try source(["AWS_PROFILE": "ops"]) == .fixed(AWSCredentials(accessKeyID: "AKIDOPS", secretAccessKey: "ops-secret")))
        #expect(throws: ConfigurationError.self) { try source(["AWS_PROFILE": "absent"]) }
    }

    /// The role credentials moto_credentials.py assumed: moto checks their signature and session token.
    static func sessionKey() throws -> AWSCredentialsStandIn.Key {
        let environment = ProcessInfo.processInfo.environment
        return AWSCredentialsStandIn.Key(
            id: try #require(environment["S3_TEST_SESSION_ACCESS_KEY_ID"], "run through scripts/test.sh, which starts moto"),
            secret: try #require(environment["S3_TEST_SESSION_SECRET_ACCESS_KEY"]),
            token: try #require(environment["S3_TEST_SESSION_TOKEN"]))
    }

    static func storage(_ source: AWSCredentialProvider.Source) throws -> S3FileStorage {
        let endpoint = try #require(ProcessInfo.processInfo.environment["S3_TEST_ENDPOINT"])
        return S3FileStorage(configuration: .init(endpoint: endpoint, region: "us-east-1", bucket: "chain-test",
                                                  credentials: AWSCredentialProvider(source)))
    }

    /// Stores and reads back one object: moto refuses a wrong signature or session token.
    static func roundTrip(_ storage: S3FileStorage) async throws {
        try await storage.createBucket()
        let key = "chain/\(UUID().uuidString)"
        try await storage.put(Data("signed with a session".utf8), key: key)
        #expect(try await storage.withLocalFile(key: key) { try Data(contentsOf: $0) } == Data("signed with a session".utf8))
        try await storage.delete(key: key)
    }

    @Test func containerCredentialsSignRequestsAndAreFetchedOnceWhileFresh() async throws {
        let key = try Self.sessionKey()
        let standIn = AWSCredentialsStandIn(key: key, authorization: "pod-identity-token")
        try await standIn.run { base in
            let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)")
            try "pod-identity-token\n".write(to: tokenFile, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: tokenFile) }
            let source = try AWSCredentialChain.source(Self.environment([
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": "\(base)/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile.path,
            ]))
            let storage = try Self.storage(source)
            try await Self.roundTrip(storage)
            #expect(standIn.requests == ["GET /creds"], "an hour's credentials are fetched once for every request")

            // Without the token the endpoint refuses, and the error says where.
            let refused = AWSCredentialProvider(.container(url: "\(base)/creds", token: nil, tokenFile: nil))
            await #expect { _ = try await refused.credentials() } throws: { error in
                (error as? AWSCredentialError)?.description.contains("401") == true
            }
            // A forged session token is refused by moto: the token is really signed and sent.
            var forged = key
            forged.token = "forged-session-token"
            let forgedStorage = try Self.storage(.fixed(AWSCredentials(accessKeyID: forged.id, secretAccessKey: forged.secret,
                                                                       sessionToken: forged.token)))
            await #expect(throws: S3FileStorage.Failure.self) { try await forgedStorage.put(Data("x".utf8), key: "forged") }
        }
    }

    @Test func instanceMetadataCredentialsAreFetchedByIMDSv2AndRefreshedBeforeTheyExpire() async throws {
        let standIn = AWSCredentialsStandIn(key: try Self.sessionKey())
        standIn.expire(in: .seconds(120))  // inside the five-minute margin: every use fetches again
        try await standIn.run { base in
            let source = try AWSCredentialChain.source(Self.environment(["AWS_EC2_METADATA_SERVICE_ENDPOINT": base]))
            #expect(source == .instanceMetadata(endpoint: base))
            let provider = AWSCredentialProvider(source)
            let first = try await provider.credentials()
            #expect(first.sessionToken != nil && first.expiration != nil)
            _ = try await provider.credentials()
            let role = "/latest/meta-data/iam/security-credentials/\(AWSCredentialsStandIn.role)"
            #expect(standIn.requests.filter { $0 == "GET \(role)" }.count == 2, "\(standIn.requests)")
            #expect(standIn.requests.prefix(3) == ["PUT /latest/api/token", "GET /latest/meta-data/iam/security-credentials",
                                                   "GET \(role)"] || standIn.requests.prefix(3) == [
                                                    "PUT /latest/api/token", "GET /latest/meta-data/iam/security-credentials/", "GET \(role)"])
            try await Self.roundTrip(try Self.storage(source))
        }
    }

    /// AssumeRoleWithWebIdentity against moto's STS: the token file is read and sent, the answer's
    /// XML gives temporary credentials with an expiry.
    @Test func aWebIdentityIsExchangedAtSTS() async throws {
        let endpoint = try #require(ProcessInfo.processInfo.environment["STS_TEST_ENDPOINT"], "run through scripts/test.sh")
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("web-identity-\(UUID().uuidString)")
        try "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6dnA6d29ya2VyIn0.c2lnbmF0dXJl\n"
            .write(to: tokenFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: tokenFile) }
        let source = try AWSCredentialChain.source(Self.environment([
            "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile.path, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/voicepartner-worker",
            "AWS_ROLE_SESSION_NAME": "worker-1", "AWS_ENDPOINT_URL_STS": endpoint,
        ]))
        let credentials = try await AWSCredentialProvider(source).credentials()
        #expect(credentials.accessKeyID.hasPrefix("ASIA"))
        #expect(!(credentials.sessionToken ?? "").isEmpty && !credentials.secretAccessKey.isEmpty)
        #expect((credentials.expiration ?? .distantPast) > Date())

        try FileManager.default.removeItem(at: tokenFile)
        await #expect { _ = try await WebIdentityCredentials.assume(role: "r", tokenFile: tokenFile.path, sessionName: "s",
                                                                    endpoint: endpoint) } throws: { error in
            (error as? AWSCredentialError)?.description.contains("cannot be read") == true
        }
    }
}
