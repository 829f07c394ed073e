import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Random bytes from the kernel's generator in one call. Every request draws a request id and trace
/// ids: Foundation's `UUID()` opens, reads and closes /dev/urandom for each, and the standard
/// library's generator makes one call per eight bytes. (glibc's `arc4random_buf` reads `getrandom`
/// and never fails.)
public enum RandomBytes {
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress else { return }
        arc4random_buf(base, buffer.count)
    }
}

extension UUID {
    /// A random (version 4) UUID drawn with one call.
    public static func random() -> UUID {
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &bytes, RandomBytes.fill)
        bytes.6 = (bytes.6 & 0x0F) | 0x40  // version 4
        bytes.8 = (bytes.8 & 0x3F) | 0x80  // RFC 4122 variant
        return UUID(uuid: bytes)
    }
}
