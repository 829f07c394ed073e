import Foundation

/// Every operation of the API callers use, one method each, generated from the OpenAPI document
/// (`Generated/APIOperations.swift`; a test fails when the document and the methods differ), plus
/// the multipart upload written by hand. `client.operations.listJobs(state: "running")`.
public struct APIOperations: Sendable {
    public let client: VoicePartnerClient

    /// Uploads a document (`POST /api/files`); its text is extracted by a job, then `getFile` shows it.
    public func uploadFile(name: String, contentType: String, data: Data, assistantID: UUID? = nil) async throws -> APIModels.File {
        let boundary = "voicepartner-\(UUID().uuidString)"
        var body = Data()
        func part(_ headers: String, _ content: Data) {
            body.append(Data("--\(boundary)\r\n\(headers)\r\n\r\n".utf8))
            body.append(content)
            body.append(Data("\r\n".utf8))
        }
        let quoted = name.replacingOccurrences(of: "\"", with: "%22").filter { $0 != "\r" && $0 != "\n" }
        part("Content-Disposition: form-data; name=\"file\"; filename=\"\(quoted)\"\r\nContent-Type: \(contentType)", data)
        if let assistantID { part("Content-Disposition: form-data; name=\"assistant_id\"", Data(assistantID.uuidString.lowercased().utf8)) }
        body.append(Data("--\(boundary)--\r\n".utf8))
        let answer = try await client.exchange(Endpoint("POST", "/api/files"), [], query: [], body: body,
                                               contentType: "multipart/form-data; boundary=\(boundary)", headers: [:])
        return try client.decode(answer, from: Endpoint("POST", "/api/files"))
    }

    /// The endpoints written by hand here.
    public static let handWritten: [Endpoint] = [Endpoint("POST", "/api/files")]
}

extension VoicePartnerClient {
    /// Every operation callers use, typed by the OpenAPI document.
    public var operations: APIOperations { APIOperations(client: self) }

    func call<Answer: Decodable>(_ endpoint: Endpoint, _ pathValues: [String], query: [(String, String?)] = [],
                                 body: (any Encodable)?, headers: [String: String] = [:]) async throws -> Answer {
        try decode(try await callData(endpoint, pathValues, query: query, body: body, headers: headers), from: endpoint)
    }

    func callEmpty(_ endpoint: Endpoint, _ pathValues: [String], query: [(String, String?)] = [], body: (any Encodable)?,
                   headers: [String: String] = [:]) async throws {
        _ = try await callData(endpoint, pathValues, query: query, body: body, headers: headers)
    }

    func callData(_ endpoint: Endpoint, _ pathValues: [String], query: [(String, String?)] = [], body: (any Encodable)?,
                  headers: [String: String] = [:]) async throws -> Data {
        let encoded = try body.map { try JSONEncoder().encode($0) }
        return try await exchange(endpoint, pathValues, query: query, body: encoded, contentType: "application/json", headers: headers)
    }
}
