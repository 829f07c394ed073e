import Foundation
@testable import QueueEngine
import Testing
import TestSupport

/// Compares next-fire times with an independent implementation (Python's croniter, installed by
/// the test command into `.local/venv`) over thousands of random expressions and start times.
@Suite(.timeLimit(.minutes(5))) struct CronReferenceTests {
    /// A small deterministic generator, so a failure can be replayed from the printed seed.
    /// A random field in the syntax both implementations read alike. Left out: ranges whose ends are
    /// equal (`5-5`), which croniter reads as the whole field, and 7 (Sunday) inside day-of-week
    /// ranges and steps, which it reads differently; plain 7 is in. In the day fields, `*/n` is left
    /// out: croniter decides whether such a field restricts the day differently from Vixie cron.
    static func randomField(_ fullRange: ClosedRange<Int>, names: [String] = [], dayField: Bool = false,
                            using rng: inout SeededGenerator) -> String {
        let range = fullRange.upperBound == 7 ? 0...6 : fullRange
        func value() -> String {
            let number = Int.random(in: fullRange, using: &rng)
            if !names.isEmpty, Bool.random(using: &rng), number - range.lowerBound < names.count {
                return names[number - range.lowerBound]
            }
            return "\(number)"
        }
        func distinctPair() -> (Int, Int) {
            let a = Int.random(in: range.lowerBound..<range.upperBound, using: &rng)
            return (a, Int.random(in: (a + 1)...range.upperBound, using: &rng))
        }
        func part() -> String {
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: return value()
            case 1:
                let (a, b) = distinctPair()
                return "\(a)-\(b)"
            case 2 where !dayField: return "*/\(Int.random(in: 1...max(1, range.upperBound / 2), using: &rng))"
            case 3:
                let (a, b) = distinctPair()
                return "\(a)-\(b)/\(Int.random(in: 1...4, using: &rng))"
            case 4: return "\(Int.random(in: range, using: &rng))/\(Int.random(in: 2...9, using: &rng))"
            default: return value()
            }
        }
        if Int.random(in: 0..<4, using: &rng) == 0 { return "*" }
        return (0..<Int.random(in: 1...3, using: &rng)).map { _ in part() }.joined(separator: ",")
    }

    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let weekdays = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    @Test func nextFireTimesAgreeWithCroniter() async throws {
        let python = try #require(ProcessInfo.processInfo.environment["VPAI_PYTHON"],
                                  "VPAI_PYTHON must name a Python with croniter (scripts/test.sh sets it up)")
        let seed = UInt64(ProcessInfo.processInfo.environment["CRON_REFERENCE_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64.max)
        var rng = SeededGenerator(state: seed)
        var cases: [(expression: String, start: Int)] = []
        while cases.count < 3_000 {
            let expression = [
                Self.randomField(0...59, using: &rng), Self.randomField(0...23, using: &rng),
                Self.randomField(1...31, dayField: true, using: &rng), Self.randomField(1...12, names: Self.months, using: &rng),
                Self.randomField(0...7, names: Self.weekdays, dayField: true, using: &rng),
            ].joined(separator: " ")
            guard (try? CronExpression(expression)) != nil else { continue }  // e.g. "0 0 31 2 *"
            // Start times from 2000 to 2060, at arbitrary seconds.
            cases.append((expression, Int.random(in: 946_684_800...2_840_140_800, using: &rng)))
        }
        let count = 5
        let input = try JSONSerialization.data(withJSONObject: cases.map { ["expression": $0.expression, "start": $0.start, "count": count] })
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tools/croniter_reference.py").path
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(TestHarness.uniqueName("cronref"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let inputURL = directory.appendingPathComponent("in.json"), outputURL = directory.appendingPathComponent("out.json")
        try input.write(to: inputURL)
        try await ChildProcess.run(python, [script, inputURL.path, outputURL.path])
        let output = try Data(contentsOf: outputURL)
        let reference = try #require(try JSONSerialization.jsonObject(with: output) as? [Any])
        try #require(reference.count == cases.count)
        let utc = TimeZone(identifier: "UTC")!
        var mismatches: [String] = []
        for (index, testCase) in cases.enumerated() {
            let ours = try CronExpression(testCase.expression)
                .fires(after: Date(timeIntervalSince1970: TimeInterval(testCase.start)), through: .distantFuture, in: utc, limit: count)
                .map { Int($0.timeIntervalSince1970) }
            guard let theirs = reference[index] as? [Int] else {
                mismatches.append("\(testCase.expression) from \(testCase.start): croniter failed: \(reference[index])")
                continue
            }
            if ours != theirs { mismatches.append("\(testCase.expression) from \(testCase.start): ours \(ours), croniter \(theirs)") }
        }
        #expect(mismatches.count == 0, "seed \(seed): \(mismatches.count) of \(cases.count) differ, e.g. \(mismatches.prefix(5))")
    }
}
