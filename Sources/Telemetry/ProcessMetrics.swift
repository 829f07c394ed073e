#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Prometheus
import Synchronization

/// The process's own figures, read from `/proc` at every scrape under the names Prometheus's client
/// libraries use (`process_*`), and `build_info`: which build of which process answers, so a
/// dashboard can tell a rollout's old pods from its new ones and a leak from a busy day.
final class ProcessMetrics: Sendable {
    /// The release this source tree is; the commit comes from the image (`VPAI_BUILD_COMMIT`).
    static let version = "1.0.0"

    private let cpu: Counter
    private let cpuCounted = Mutex(0.0)
    private let resident: Gauge
    private let virtual: Gauge
    private let openFDs: Gauge
    private let maxFDs: Gauge
    private let startTime: Gauge

    init(registry: PrometheusCollectorRegistry, process: String = ProcessMetrics.processName,
         commit: String = ProcessInfo.processInfo.environment["VPAI_BUILD_COMMIT"] ?? "unknown") {
        registry.makeGauge(name: "build_info", labels: [("version", Self.version), ("commit", commit), ("process", process)],
                           help: "Always 1: the labels name the build and the process").set(Int64(1))
        cpu = registry.makeCounter(name: "process_cpu_seconds_total", help: "User and system CPU time spent, in seconds")
        resident = registry.makeGauge(name: "process_resident_memory_bytes", help: "Resident memory size in bytes")
        virtual = registry.makeGauge(name: "process_virtual_memory_bytes", help: "Virtual memory size in bytes")
        openFDs = registry.makeGauge(name: "process_open_fds", help: "Open file descriptors")
        maxFDs = registry.makeGauge(name: "process_max_fds", help: "The limit of open file descriptors")
        startTime = registry.makeGauge(name: "process_start_time_seconds", help: "Start time since the Unix epoch, in seconds")
    }

    /// The executable's name in lower case: `api`, `worker`, `scheduler`.
    static var processName: String {
        (CommandLine.arguments.first.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "unknown").lowercased()
    }

    /// Reads `/proc/self` now; a figure that cannot be read keeps its last value.
    func update() {
        if let stat = Self.stat() {
            let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
            let seconds = (stat.userTicks + stat.systemTicks) / ticks
            let delta = cpuCounted.withLock { counted -> Double in
                defer { counted = max(counted, seconds) }
                return max(0, seconds - counted)
            }
            if delta > 0 { cpu.increment(by: delta) }
            resident.set(stat.residentPages * Double(sysconf(Int32(_SC_PAGESIZE))))
            virtual.set(stat.virtualBytes)
            if let boot = Self.bootTime() { startTime.set(boot + stat.startTicks / ticks) }
        }
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            openFDs.set(Double(entries.count))
        }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 { maxFDs.set(Double(limit.rlim_cur)) }
    }

    struct Stat {
        var userTicks: Double, systemTicks: Double, startTicks: Double, virtualBytes: Double, residentPages: Double
    }

    /// `/proc/self/stat` after the command name (which may hold spaces and parentheses): fields 14,
    /// 15, 22, 23 and 24 of proc(5).
    static func stat(_ text: String? = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8)) -> Stat? {
        guard let text, let close = text.lastIndex(of: ")") else { return nil }
        // Fields from the third (state) on; field n of proc(5) is at index n - 3.
        let fields = text[text.index(after: close)...].split(separator: " ")
        func field(_ number: Int) -> Double? { fields.count > number - 3 ? Double(fields[number - 3]) : nil }
        guard let user = field(14), let system = field(15), let start = field(22), let virtual = field(23),
              let resident = field(24) else { return nil }
        return Stat(userTicks: user, systemTicks: system, startTicks: start, virtualBytes: virtual, residentPages: resident)
    }

    /// The boot time (`btime` of `/proc/stat`), in seconds since the epoch.
    static func bootTime() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first { $0.hasPrefix("btime ") }.flatMap { Double($0.dropFirst(6)) }
    }
}
