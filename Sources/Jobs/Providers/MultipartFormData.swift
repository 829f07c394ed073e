import Foundation

/// A `multipart/form-data` body (RFC 7578): text fields and files, each part with its own headers.
public struct MultipartFormData: Sendable {
    public let boundary: String
    private var body = Data()

    public init(boundary: String = "vpai-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()) {
        self.boundary = boundary
    }

    public var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    public mutating func add(name: String, value: String) {
        append(headers: "Content-Disposition: form-data; name=\"\(Self.quoted(name))\"", content: Data(value.utf8))
    }

    public mutating func add(name: String, filename: String, contentType: String, data: Data) {
        append(headers: """
            Content-Disposition: form-data; name="\(Self.quoted(name))"; filename="\(Self.quoted(filename))"\r
            Content-Type: \(contentType)
            """, content: data)
    }

    /// The body, closed with the final boundary.
    public var encoded: Data {
        var data = body
        data.append(Data("--\(boundary)--\r\n".utf8))
        return data
    }

    private mutating func append(headers: String, content: Data) {
        body.append(Data("--\(boundary)\r\n\(headers)\r\n\r\n".utf8))
        body.append(content)
        body.append(Data("\r\n".utf8))
    }

    /// Quotes and line breaks cannot appear inside a quoted header parameter.
    private static func quoted(_ text: String) -> String {
        text.replacingOccurrences(of: "\"", with: "%22").replacingOccurrences(of: "\r", with: "%0D").replacingOccurrences(of: "\n", with: "%0A")
    }
}
