import Foundation
import ServerSupport
import Testing

/// The pooled random source: draws never repeat across refills of the pool or between threads.
struct RandomBytesTests {
    @Test func drawsAcrossManyRefillsAndThreadsNeverRepeat() async {
        // 16-byte draws from four tasks at once: 40,000 of them span about 160 refills of the pool.
        let draws = await withTaskGroup(of: [Data].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    (0..<10_000).map { _ in
                        var draw = Data(count: 16)
                        draw.withUnsafeMutableBytes(RandomBytes.fill)
                        return draw
                    }
                }
            }
            return await group.reduce(into: [Data]()) { $0 += $1 }
        }
        #expect(Set(draws).count == draws.count)
        #expect(!draws.contains(Data(count: 16)))
        // Each byte value turns up about equally often (640,000 bytes: 2,500 of each expected).
        var counts = [Int](repeating: 0, count: 256)
        for draw in draws { for byte in draw { counts[Int(byte)] += 1 } }
        #expect(counts.min()! > 2_000 && counts.max()! < 3_000, "byte counts \(counts.min()!)…\(counts.max()!)")
    }

    @Test func largeDrawsBypassThePoolAndUUIDsCarryTheirVersion() {
        var large = [UInt8](repeating: 0, count: 1_000)
        large.withUnsafeMutableBytes(RandomBytes.fill)
        #expect(Set(large).count > 200)
        let uuid = UUID.random().uuidString
        #expect(uuid != UUID.random().uuidString)
        #expect(Array(uuid)[14] == "4")
    }
}
