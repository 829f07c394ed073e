import Foundation
import ZIPFoundation

/// A data export's ZIP archive, built in memory with ZIPFoundation (deflated entries, UTF-8 names).
/// An entry that would take the archive past `maximumBytes` or `maximumEntries` is refused
/// (`Full`) before anything of it is written, so an export never ends in a truncated archive.
public struct ZipArchive {
    /// Half the format's 4 GiB without ZIP64: the archive is built in memory.
    public static let maximumBytes = 2 << 30
    public static let maximumEntries = 65_000

    /// The entry does not fit in this archive any more.
    public struct Full: Error, CustomStringConvertible {
        public var description: String { "the archive would exceed \(ZipArchive.maximumBytes >> 20) MiB or \(ZipArchive.maximumEntries) entries" }
    }

    private let archive: Archive
    /// What the entries would take stored uncompressed, with their headers: an upper bound of the archive's size.
    private var bound = 22
    private var count = 0

    public init() throws {
        archive = try Archive(data: Data(), accessMode: .create)
    }

    public mutating func add(_ name: String, _ contents: Data, modified: Date = Date()) throws {
        let nameBytes = name.utf8.count
        let grown = bound + 2 * (nameBytes + 46) + contents.count
        guard count < Self.maximumEntries, nameBytes <= 1_024, grown <= Self.maximumBytes else { throw Full() }
        try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(contents.count), modificationDate: modified,
                             compressionMethod: .deflate) { position, size in
            contents.subdata(in: Int(position)..<Int(position) + size)
        }
        bound = grown
        count += 1
    }

    /// The archive's bytes.
    public func finished() -> Data { archive.data ?? Data() }
}
