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

    /// One part of a received body.
    public struct Part: Sendable {
        public let name: String
        public let filename: String?
        public let contentType: String?
        public let data: Data
    }

    /// The boundary of a `multipart/form-data` content type, if it is one.
    public static func boundary(of contentType: String) -> String? {
        guard contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return value.isEmpty ? nil : value
            }
        }
        return nil
    }

    /// The parts of a received body, split at its boundary lines; nil when it is not well-formed.
    public static func parse(_ body: Data, boundary: String) -> [Part]? {
        let delimiter = Data("--\(boundary)".utf8)
        var chunks: [Data] = []
        var rest = body[...]
        while let range = rest.range(of: delimiter) {
            chunks.append(Data(rest[rest.startIndex..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        // The body ends with the closing delimiter `--boundary--`.
        guard chunks.count >= 2, rest.starts(with: Data("--".utf8)) else { return nil }
        var parts: [Part] = []
        for chunk in chunks.dropFirst() {
            guard chunk.starts(with: Data("\r\n".utf8)), let split = chunk.range(of: Data("\r\n\r\n".utf8)) else { return nil }
            let headers = String(decoding: chunk[chunk.startIndex..<split.lowerBound], as: UTF8.self)
            var content = Data(chunk[split.upperBound...])
            guard content.suffix(2) == Data("\r\n".utf8) else { return nil }
            content.removeLast(2)
            func parameter(_ name: String) -> String? {
                guard let start = headers.range(of: "; \(name)=\"") else { return nil }
                return String(headers[start.upperBound...].prefix(while: { $0 != "\"" }))
            }
            let type = headers.components(separatedBy: "\r\n").first(where: { $0.lowercased().hasPrefix("content-type:") })?
                .dropFirst("content-type:".count).trimmingCharacters(in: .whitespaces)
            guard let name = parameter("name") else { return nil }
            parts.append(Part(name: name, filename: parameter("filename"), contentType: type, data: content))
        }
        return parts
    }
}
