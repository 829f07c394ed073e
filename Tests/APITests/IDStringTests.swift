@testable import API
import Foundation
import Testing

/// The API's written ids are Foundation's UUID text in lower case, byte for byte.
struct IDStringTests {
    @Test func matchesFoundationsTextInLowerCase() throws {
        for _ in 0..<1_000 {
            let id = UUID()
            #expect(id.idString == id.uuidString.lowercased())
            #expect(UUID(uuidString: id.idString) == id)
        }
        let edges = [UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
                     UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255))]
        #expect(edges.map(\.idString) == ["00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"])
    }
}
