import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ServerSupport

/// Files in a bucket of S3-compatible storage (AWS S3, MinIO, moto), path-style
/// (`<endpoint>/<bucket>/<key>`), every request signed with SigV4.
public struct S3FileStorage: FileStorage {
    public struct Configuration: Sendable {
        public var endpoint: String
        public var region: String
        public var bucket: String
        public var credentials: AWSCredentialProvider

        public init(endpoint: String, region: String, bucket: String, credentials: AWSCredentialProvider) {
            self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
            self.region = region
            self.bucket = bucket
            self.credentials = credentials
        }

        public init(endpoint: String, region: String, bucket: String, accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
            self.init(endpoint: endpoint, region: region, bucket: bucket,
                      credentials: AWSCredentialProvider(accessKeyID: accessKeyID, secretAccessKey: secretAccessKey, sessionToken: sessionToken))
        }
    }

    /// A refused or failed request, with S3's error code (`NoSuchKey`, `SignatureDoesNotMatch`, …).
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public let status: Int
        public let code: String
        public var description: String { "S3 answered HTTP \(status) \(code)" }
    }

    public let configuration: Configuration
    let http: HTTPClient

    public init(configuration: Configuration, http: HTTPClient = .shared) {
        self.configuration = configuration
        self.http = http
    }

    public func put(_ data: Data, key: String) async throws {
        _ = try await send(.PUT, objectPath(key), body: data, accept: [200])
    }

    public func withLocalFile<T: Sendable>(key: String, _ body: (URL) async throws -> T) async throws -> T {
        let data = try await send(.GET, objectPath(key), body: Data(), accept: [200])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("s3-\(UUID().uuidString)")
        try data.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try await body(url)
    }

    public func delete(key: String) async throws {
        _ = try await send(.DELETE, objectPath(key), body: Data(), accept: [200, 204, 404])
    }

    /// Creates the bucket (setup and tests); one that exists already is fine.
    public func createBucket() async throws {
        _ = try await send(.PUT, "/\(SigV4.encode(configuration.bucket))", body: Data(), accept: [200, 409])
    }

    func objectPath(_ key: String) -> String {
        "/\(SigV4.encode(configuration.bucket))/\(SigV4.encode(key, keepSlash: true))"
    }

    private func send(_ method: HTTPMethod, _ path: String, body: Data, accept: Set<Int>) async throws -> Data {
        guard let url = URL(string: configuration.endpoint + path), let host = url.host else {
            throw Failure(status: 0, code: "InvalidEndpoint")
        }
        let hostHeader = url.port.map { "\(host):\($0)" } ?? host
        let signer = SigV4(try await configuration.credentials.credentials(), region: configuration.region)
        var request = HTTPClientRequest(url: configuration.endpoint + path)
        request.method = method
        request.headers.add(name: "Host", value: hostHeader)
        for (name, value) in signer.sign(method: method.rawValue, path: path, headers: [("host", hostHeader)], payload: body) {
            request.headers.add(name: name, value: value)
        }
        if !body.isEmpty || method == .PUT { request.body = .bytes(ByteBuffer(data: body)) }
        let response = try await http.execute(request, timeout: .seconds(60), provider: "s3", operation: method.rawValue.lowercased())
        let answer = Data(buffer: try await response.body.collect(upTo: 1 << 30))
        let status = Int(response.status.code)
        guard accept.contains(status) else {
            let text = String(decoding: answer.prefix(2_048), as: UTF8.self)
            let code = text.range(of: "<Code>").flatMap { start in
                text[start.upperBound...].range(of: "</Code>").map { String(text[start.upperBound..<$0.lowerBound]) }
            }
            throw Failure(status: status, code: code ?? "HTTP\(status)")
        }
        return answer
    }
}

/// Which storage a process uses: `STORAGE_BACKEND` `local` (`STORAGE_DIR`) or `s3` (`S3_BUCKET`;
/// `S3_REGION`, else `AWS_REGION`; `S3_ENDPOINT`, else AWS's for the region; `S3_ACCESS_KEY_ID` and
/// `S3_SECRET_ACCESS_KEY`, else the AWS credential chain).
public enum StorageConfiguration {
    public static func storage(_ environment: Environment) throws -> any FileStorage {
        switch environment.string("STORAGE_BACKEND", default: "local") {
        case "local":
            return LocalFileStorage(environment: environment)
        case "s3":
            guard let bucket = environment["S3_BUCKET"], !bucket.isEmpty else {
                throw ConfigurationError("S3_BUCKET", "is required when STORAGE_BACKEND=s3")
            }
            let region = environment["S3_REGION"] ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? "us-east-1"
            let endpoint = environment["S3_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://s3.\(region).amazonaws.com"
            guard let url = URL(string: endpoint), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ConfigurationError("S3_ENDPOINT", "expected an http(s) URL")
            }
            let source = try AWSCredentialChain.source(environment, keys: ("S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"))
            return S3FileStorage(configuration: .init(endpoint: endpoint, region: region, bucket: bucket,
                                                      credentials: AWSCredentialProvider(source)))
        case let other:
            throw ConfigurationError("STORAGE_BACKEND", "expected local or s3, got \(other)")
        }
    }
}
