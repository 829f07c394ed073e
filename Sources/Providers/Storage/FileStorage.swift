import Foundation
import ServerSupport

/// Where uploaded files' bytes live. The database row holds the key; the bytes are here.
public protocol FileStorage: Sendable {
    func put(_ data: Data, key: String) async throws
    /// Runs `body` with a local file holding the bytes, for tools that read paths (pdftotext, unzip);
    /// a remote storage downloads to a temporary file for the duration.
    func withLocalFile<T: Sendable>(key: String, _ body: (URL) async throws -> T) async throws -> T
    func delete(key: String) async throws
}

/// Files in a folder on local disk (`STORAGE_DIR`), one file per key.
public struct LocalFileStorage: FileStorage {
    public let folder: URL

    public init(folder: URL) {
        self.folder = folder
    }

    public init(environment: Environment) {
        self.init(folder: URL(fileURLWithPath: environment.string("STORAGE_DIR", default: ".local/files"), isDirectory: true))
    }

    public func put(_ data: Data, key: String) async throws {
        let url = try path(key)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url, options: .atomic)
    }

    public func withLocalFile<T: Sendable>(key: String, _ body: (URL) async throws -> T) async throws -> T {
        let url = try path(key)
        guard FileManager.default.fileExists(atPath: url.path) else { throw StorageError.missing(key) }
        return try await body(url)
    }

    public func delete(key: String) async throws {
        let url = try path(key)
        if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
    }

    /// Keys are made by the platform (`<workspace>/<file id>`); anything that could leave the folder is refused.
    func path(_ key: String) throws -> URL {
        guard !key.isEmpty, !key.contains(".."), !key.hasPrefix("/"),
              key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "/" || $0 == "_" })
        else { throw StorageError.invalidKey(key) }
        return folder.appendingPathComponent(key)
    }
}

public enum StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    case missing(String)
    case invalidKey(String)

    public var description: String {
        switch self {
        case .missing(let key): "no stored file \(key)"
        case .invalidKey(let key): "not a storage key: \(key)"
        }
    }
}
