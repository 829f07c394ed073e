import Foundation
import PostgresNIO
@testable import QueueEngine
import Testing
import TestSupport

/// Schedule files: what a valid entry becomes, and that every kind of bad entry is refused naming
/// the file, the entry and the problem.
struct ScheduleLoaderTests {
    static let loader = ScheduleLoader(catalogue: SampleJob.catalogue)

    @Test func aFullEntryIsReadWithEveryField() throws {
        let entries = try Self.loader.parse("""
            - name: nightly-prune
              schedule: "17 3 * * *"
              timezone: Europe/Berlin
              kind: test.sample
              args: {retentionHours: 48}
              queue: housekeeping
              priority: 5
              enabled: false
              catch_up: latest
              misfire_grace_seconds: 30
            """, file: "cron/test.yaml")
        let entry = try #require(entries.first)
        #expect(entry.name == "nightly-prune" && entry.kind == "test.sample")
        #expect(entry.expression == (try CronExpression("17 3 * * *")))
        #expect(entry.timeZone == TimeZone(identifier: "Europe/Berlin"))
        #expect(entry.argsJSON == #"{"retentionHours":48}"#)
        #expect(entry.queue == "housekeeping" && entry.priority == 5 && !entry.enabled)
        #expect(entry.catchUp == .latest && entry.misfireGrace == .seconds(30))
    }

    static let bad: [(String, String)] = [
        ("- name: a\n  schedule: \"61 * * * *\"\n  kind: test.sample", #"cron/bad.yaml: entry "a": bad schedule: "61" is not a valid minute"#),
        ("- name: a\n  schedule: \"@daily\"\n  kind: no.such.kind", #"cron/bad.yaml: entry "a": unknown job kind "no.such.kind""#),
        ("- name: a\n  schedule: \"@daily\"\n  kind: test.sample\n  timezone: Mars/Olympus", #"entry "a": unknown time zone "Mars/Olympus""#),
        ("- name: a\n  schedule: \"@daily\"\n  kind: test.sample\n  args: {sleepMS: soon}", #"entry "a": args do not fit test.sample"#),
        ("- name: a\n  schedule: \"@daily\"\n  kind: test.sample\n  args: [1, 2]", #"entry "a": args must be a mapping"#),
        ("- name: a\n  schedule: \"@daily\"\n  kind: test.sample\n  catch_up: all", #"entry "a": catch_up must be one of skip, latest"#),
        ("- name: a\n  schedule: \"@daily\"\n  kind: test.sample\n  schedul: typo", #"entry "a": unknown field "schedul""#),
        ("- name: a\n  kind: test.sample", #"entry "a": needs a schedule"#),
        ("- schedule: \"@daily\"\n  kind: test.sample", ##"entry "#1": needs a name"##),
        ("- name: a b\n  schedule: \"@daily\"\n  kind: test.sample", #"entry "a b": the name may hold"#),
        ("- name: a\n  schedule: \"@daily\"\n  kind: test.sample\n- name: a\n  schedule: \"@daily\"\n  kind: test.sample", "already used"),
        ("name: a", "cron/bad.yaml: must be a YAML list of entries"),
        ("- [unclosed", "cron/bad.yaml: is not valid YAML"),
    ]

    @Test(arguments: bad)
    func aBadEntryIsRefusedNamingFileEntryAndProblem(_ text: String, _ message: String) throws {
        let cron = FileManager.default.temporaryDirectory.appendingPathComponent(TestHarness.uniqueName("schedule"))
            .appendingPathComponent("cron")
        try FileManager.default.createDirectory(at: cron, withIntermediateDirectories: true)
        try text.write(to: cron.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        #expect {
            try Self.loader.load(folder: cron.path)
        } throws: { error in
            "\(error)".contains(message)
        }
    }
}
