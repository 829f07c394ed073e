import Foundation
import Yams

/// Reads the schedule from the `*.yaml` / `*.yml` files of a folder (`cron/`) and checks every
/// entry completely: its expression, time zone, job kind and arguments (decoded by the kind itself),
/// so a bad entry stops the scheduler at startup (and `Scheduler validate` in CI), never at a tick.
///
/// Each file is a YAML list of entries:
///
///     - name: credit-check            # unique across files; part of each tick's unique key
///       schedule: "*/15 * * * *"      # 5 fields, 6 with leading seconds, or @hourly/@daily/…
///       timezone: Europe/Berlin       # IANA name; default UTC
///       kind: credits.check           # a registered job kind
///       args: {}                      # the kind's arguments; default {}
///       queue: maintenance            # default: the kind's queue
///       priority: 0                   # default: the kind's priority
///       enabled: true                 # default true
///       catch_up: skip                # skip | latest; default skip
///       misfire_grace_seconds: 60     # default: SCHEDULER_MISFIRE_GRACE_MS, capped at the interval
public struct ScheduleLoader: Sendable {
    let catalogue: JobCatalogue

    public init(catalogue: JobCatalogue) {
        self.catalogue = catalogue
    }

    static let keys: Set<String> = ["name", "schedule", "timezone", "kind", "args", "queue", "priority",
                                    "enabled", "catch_up", "misfire_grace_seconds"]

    /// Every entry of every schedule file in `folder`, sorted by name. Throws the first problem found.
    public func load(folder: String) throws(ScheduleFileError) -> [ScheduleEntry] {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: folder)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        } catch {
            throw ScheduleFileError(file: folder, entry: nil, problem: "cannot read the folder: \(error.localizedDescription)")
        }
        var entries: [ScheduleEntry] = []
        var seen: [String: String] = [:]
        for file in files {
            let path = (folder as NSString).appendingPathComponent(file)
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw ScheduleFileError(file: path, entry: nil, problem: "cannot be read as UTF-8 text")
            }
            for entry in try parse(text, file: path) {
                if let other = seen[entry.name] {
                    throw ScheduleFileError(file: path, entry: entry.name, problem: "the name is already used in \(other)")
                }
                seen[entry.name] = path
                entries.append(entry)
            }
        }
        return entries.sorted { $0.name < $1.name }
    }

    /// The entries of one file's text (`file` names it in messages).
    public func parse(_ text: String, file: String) throws(ScheduleFileError) -> [ScheduleEntry] {
        let document: Any?
        do {
            document = try Yams.load(yaml: text)
        } catch {
            throw ScheduleFileError(file: file, entry: nil, problem: "is not valid YAML: \(error)")
        }
        guard let document else { return [] }
        guard let list = document as? [Any] else {
            throw ScheduleFileError(file: file, entry: nil, problem: "must be a YAML list of entries")
        }
        var entries: [ScheduleEntry] = []
        for (index, item) in list.enumerated() {
            entries.append(try entry(item, index: index, file: file))
        }
        return entries
    }

    private func entry(_ item: Any, index: Int, file: String) throws(ScheduleFileError) -> ScheduleEntry {
        guard let fields = item as? [String: Any] else {
            throw ScheduleFileError(file: file, entry: "#\(index + 1)", problem: "must be a mapping of name, schedule, kind, …")
        }
        guard let name = fields["name"] as? String, !name.isEmpty else {
            throw ScheduleFileError(file: file, entry: "#\(index + 1)", problem: "needs a name")
        }
        func fail(_ problem: String) -> ScheduleFileError { ScheduleFileError(file: file, entry: name, problem: problem) }
        guard name.utf8.count <= 100, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw fail("the name may hold letters, digits, '-', '_' and '.' (at most 100)")
        }
        if let unknown = fields.keys.filter({ !Self.keys.contains($0) }).sorted().first {
            throw fail("unknown field \"\(unknown)\" (known: \(Self.keys.sorted().joined(separator: ", ")))")
        }
        guard let scheduleText = fields["schedule"] as? String else { throw fail("needs a schedule (a cron expression)") }
        let expression: CronExpression
        do { expression = try CronExpression(scheduleText) } catch { throw fail("bad schedule: \(error)") }
        let zoneName = fields["timezone"].map { "\($0)" } ?? "UTC"
        guard let timeZone = TimeZone(identifier: zoneName) else { throw fail("unknown time zone \"\(zoneName)\"") }
        guard let kind = fields["kind"] as? String else { throw fail("needs a kind") }
        guard let defaults = catalogue.defaults(for: kind) else {
            throw fail("unknown job kind \"\(kind)\" (known: \(catalogue.kinds.joined(separator: ", ")))")
        }
        let args = Self.jsonCompatible(fields["args"] ?? [String: Any]())
        guard args is [String: Any], let data = try? JSONSerialization.data(withJSONObject: args, options: [.sortedKeys]) else {
            throw fail("args must be a mapping")
        }
        let argsJSON = String(decoding: data, as: UTF8.self)
        do { try catalogue.check(kind: kind, argsJSON: argsJSON) } catch { throw fail("args do not fit \(kind): \(error)") }
        var queue: String?
        if let value = fields["queue"] {
            guard let text = value as? String, !text.isEmpty else { throw fail("queue must be a non-empty string") }
            queue = text
        }
        var priority: Int16?
        if let value = fields["priority"] {
            guard let number = value as? Int, let small = Int16(exactly: number) else { throw fail("priority must be a whole number") }
            priority = small
        }
        var enabled = true
        if let value = fields["enabled"] {
            guard let flag = value as? Bool else { throw fail("enabled must be true or false") }
            enabled = flag
        }
        var catchUp = ScheduleEntry.CatchUp.skip
        if let value = fields["catch_up"] {
            guard let text = value as? String, let policy = ScheduleEntry.CatchUp(rawValue: text) else {
                throw fail("catch_up must be one of \(ScheduleEntry.CatchUp.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            catchUp = policy
        }
        var grace: Duration?
        if let value = fields["misfire_grace_seconds"] {
            guard let seconds = (value as? Double) ?? (value as? Int).map(Double.init), seconds > 0, seconds <= 31_622_400 else {
                throw fail("misfire_grace_seconds must be a positive number of seconds up to a year")
            }
            grace = .milliseconds(Int64(seconds * 1000))
        }
        let entry = ScheduleEntry(name: name, expression: expression, timeZone: timeZone, kind: kind, argsJSON: argsJSON,
                                  queue: queue, priority: priority, enabled: enabled, catchUp: catchUp,
                                  misfireGrace: grace, source: file)
        do { _ = try entry.job(tick: Date(), defaults: defaults) } catch { throw fail("\(error)") }
        return entry
    }

    /// YAML scalars the JSON encoder cannot take (timestamps) become strings.
    static func jsonCompatible(_ value: Any) -> Any {
        switch value {
        case let date as Date: return ScheduleEntry.tickFormat.format(date)
        case let list as [Any]: return list.map(jsonCompatible)
        case let map as [String: Any]: return map.mapValues(jsonCompatible)
        case let map as [AnyHashable: Any]: return Dictionary(uniqueKeysWithValues: map.map { ("\($0.key)", jsonCompatible($0.value)) })
        default: return value
        }
    }
}
