import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Random bytes from the kernel's generator. Every request draws a request id and trace ids, and
/// every job attempt a span id: Foundation's `UUID()` opens, reads and closes /dev/urandom for each,
/// the standard library's generator makes one system call per eight bytes, and glibc's
/// `arc4random_buf` one per call. Small draws are served from a pool refilled 4 KiB at a time (one
/// call per hundred-odd ids); served bytes are wiped from it. For ids, not for secrets: bytes yet to be
/// served sit in this process's memory (tokens and keys draw from the system generator directly).
public enum RandomBytes {
    private static let poolSize = 4_096
    private static let largestPooled = 64
    private static let pool = Mutex<(bytes: [UInt8], next: Int)>(([UInt8](repeating: 0, count: poolSize), poolSize))

    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress else { return }
        guard buffer.count <= largestPooled else { return arc4random_buf(base, buffer.count) }
        pool.withLock { pool in
            pool.bytes.withUnsafeMutableBytes { bytes in
                if pool.next + buffer.count > poolSize {
                    arc4random_buf(bytes.baseAddress!, poolSize)
                    pool.next = 0
                }
                let served = UnsafeMutableRawBufferPointer(rebasing: bytes[pool.next..<pool.next + buffer.count])
                buffer.copyMemory(from: UnsafeRawBufferPointer(served))
                served.initializeMemory(as: UInt8.self, repeating: 0)
            }
            pool.next += buffer.count
        }
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
