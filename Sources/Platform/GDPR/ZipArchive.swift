import Foundation

/// A ZIP archive built in memory with stored (uncompressed) entries: CRC-32, local headers, the
/// central directory and its end record (PKWARE APPNOTE 6.3, no ZIP64, so under 4 GiB and 65,535
/// entries). Enough for data exports, which any unzip opens. An entry that would take the archive
/// past `maximumBytes` or `maximumEntries` is refused (`Full`), never written with a wrapped size.
public struct ZipArchive {
    /// Half the format's 4 GiB: the archive is built in memory.
    public static let maximumBytes = 2 << 30
    public static let maximumEntries = 65_000

    /// The entry does not fit in this archive any more.
    public struct Full: Error, CustomStringConvertible {
        public var description: String { "the archive would exceed \(ZipArchive.maximumBytes >> 20) MiB or \(ZipArchive.maximumEntries) entries" }
    }

    private var data = Data()
    private var central = Data()
    private var count = 0

    public init() {}

    public mutating func add(_ name: String, _ contents: Data, modified: Date = Date()) throws(Full) {
        let nameBytes = Data(name.utf8)
        let grown = data.count + central.count + 2 * (nameBytes.count + 46) + contents.count + 22
        guard count < Self.maximumEntries, nameBytes.count <= 1_024, grown <= Self.maximumBytes else { throw Full() }
        let crc = Self.crc32(contents)
        let (time, day) = Self.dosDateTime(modified)
        let offset = UInt32(data.count)
        var local = Data()
        local.append(le32: 0x0403_4b50)
        local.append(le16: 20)            // version needed
        local.append(le16: 0x0800)        // UTF-8 names
        local.append(le16: 0)             // stored
        local.append(le16: time)
        local.append(le16: day)
        local.append(le32: crc)
        local.append(le32: UInt32(contents.count))
        local.append(le32: UInt32(contents.count))
        local.append(le16: UInt16(nameBytes.count))
        local.append(le16: 0)
        data.append(local)
        data.append(nameBytes)
        data.append(contents)

        central.append(le32: 0x0201_4b50)
        central.append(le16: 20)          // made by
        central.append(le16: 20)
        central.append(le16: 0x0800)
        central.append(le16: 0)
        central.append(le16: time)
        central.append(le16: day)
        central.append(le32: crc)
        central.append(le32: UInt32(contents.count))
        central.append(le32: UInt32(contents.count))
        central.append(le16: UInt16(nameBytes.count))
        central.append(le16: 0)           // extra
        central.append(le16: 0)           // comment
        central.append(le16: 0)           // disk
        central.append(le16: 0)           // internal attributes
        central.append(le32: 0)           // external attributes
        central.append(le32: offset)
        central.append(nameBytes)
        count += 1
    }

    public func finished() -> Data {
        var archive = data
        archive.append(central)
        archive.append(le32: 0x0605_4b50)
        archive.append(le16: 0)
        archive.append(le16: 0)
        archive.append(le16: UInt16(count))
        archive.append(le16: UInt16(count))
        archive.append(le32: UInt32(central.count))
        archive.append(le32: UInt32(data.count))
        archive.append(le16: 0)
        return archive
    }

    static let crcTable: [UInt32] = (0..<256).map { index -> UInt32 in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func crc32(_ data: Data) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    static func dosDateTime(_ date: Date) -> (time: UInt16, date: UInt16) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let time = UInt16((c.hour ?? 0) << 11 | (c.minute ?? 0) << 5 | (c.second ?? 0) / 2)
        let day = UInt16(max(0, (c.year ?? 1980) - 1980) << 9 | (c.month ?? 1) << 5 | (c.day ?? 1))
        return (time, day)
    }
}

extension Data {
    mutating func append(le16 value: UInt16) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    mutating func append(le32 value: UInt32) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
