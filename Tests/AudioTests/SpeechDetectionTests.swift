import Audio
import Foundation
import Testing

@Suite struct SpeechDetectionTests {
    static func frame(level amplitude: Double, index: Int = 0) -> [Int16] {
        (0..<160).map { Int16(amplitude * sin(2 * Double.pi * 300 * Double(index * 160 + $0) / 8_000)) }
    }

    static func noise(_ amplitude: Int16, seed: inout UInt64) -> [Int16] {
        (0..<160).map { _ in
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int16(truncatingIfNeeded: Int64(seed >> 33) % Int64(2 * Int(amplitude) + 1) - Int64(amplitude))
        }
    }

    /// Line noise, then a second of speech, then quiet: one utterance that starts after the first
    /// frames of speech, ends after the configured quiet, and holds the speech with its lead-in.
    @Test func findsAnUtteranceInLineNoise() {
        var detector = VoiceActivityDetector(settings: .init(startFrames: 3, endFrames: 25))
        var seed: UInt64 = 7
        var events: [(Int, VoiceActivityDetector.Event)] = []
        var index = 0
        func feed(_ frame: [Int16]) {
            if let event = detector.process(frame) { events.append((index, event)) }
            index += 1
        }
        for _ in 0..<100 { feed(Self.noise(60, seed: &seed)) }
        for step in 0..<50 { feed(Self.frame(level: 6_000, index: step)) }
        for _ in 0..<40 { feed(Self.noise(60, seed: &seed)) }
        #expect(events.count == 2)
        #expect(events.first?.0 == 102)
        guard case .speechStarted(let lead)? = events.first?.1 else {
            Issue.record("no start: \(events.map(\.1))")
            return
        }
        #expect(lead.count == 160 * 13, "the lead-in and the first speech frames")
        guard case .speechEnded(let samples)? = events.last?.1 else {
            Issue.record("no end: \(events.map(\.1))")
            return
        }
        #expect(events.last?.0 == 174, "ends 25 quiet frames after the speech")
        #expect(samples.count == 160 * (13 + 50 + 25 - 3), "lead-in, speech and the quiet that ended it")
        #expect(!detector.inUtterance)
    }

    @Test func clicksAndSteadyHumAreNotSpeech() {
        var detector = VoiceActivityDetector()
        var events: [VoiceActivityDetector.Event] = []
        for index in 0..<300 {
            // A loud hum all along (the background learns it) and a two-frame click now and then.
            let click = index % 50 == 10 || index % 50 == 11
            if let event = detector.process(Self.frame(level: click ? 20_000 : 900, index: index)) { events.append(event) }
        }
        #expect(events.isEmpty, "\(events)")
    }

    @Test func bargeInFollowsTheSensitivity() {
        var never = BargeIn(sensitivity: 0)
        var eager = BargeIn(sensitivity: 1)
        var calm = BargeIn(sensitivity: 0.2)
        let soft = Self.frame(level: 400)  // about -38 dB
        let loud = Self.frame(level: 12_000)
        #expect(!(0..<100).contains { _ in never.hears(loud) })
        #expect(!eager.hears(soft) && eager.hears(soft), "two soft frames interrupt at sensitivity 1")
        #expect(!(0..<100).contains { _ in calm.hears(soft) }, "soft sounds never interrupt at 0.2")
        let framesToInterrupt = (1...100).first { _ in calm.hears(loud) }
        #expect(framesToInterrupt == calm.frames && calm.frames == 24, "about half a second of loud speech at 0.2")
    }
}
