import Foundation

/// Prints the results as a table beside the previous run's, then saves them as the new baseline.
struct BenchReport {
    let results: [BenchResult]
    let resultsFile: String

    func print() {
        let url = URL(fileURLWithPath: resultsFile)
        let previous = (try? JSONDecoder().decode([BenchResult].self, from: Data(contentsOf: url))) ?? []
        let previousByName = Dictionary(previous.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        var rows = [["scenario", "result", "target", "previous", "change"]]
        for result in results {
            let target = result.target.map { (result.higherIsBetter ? "≥ " : "≤ ") + Self.format($0) } ?? ""
            var before = "", change = ""
            if let old = previousByName[result.name], old.value > 0 {
                before = Self.format(old.value)
                change = String(format: "%+.1f%%", (result.value - old.value) / old.value * 100)
            }
            rows.append([result.name, "\(Self.format(result.value)) \(result.unit)", target, before, change])
        }
        Self.printTable(rows)
        let ratios = BenchRatios.table(results)
        if !ratios.isEmpty {
            Swift.print("\nAgainst the same run's ceilings:")
            Self.printTable([["engine row", "same-run ceiling", "figures", "ratio (margin)", "goal"]] + ratios)
        }
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: url.path) {
            let previousURL = url.deletingLastPathComponent().appendingPathComponent("previous.json")
            try? FileManager.default.removeItem(at: previousURL)
            try? FileManager.default.copyItem(at: url, to: previousURL)
        }
        // A partial run (`--only`) keeps the other scenarios' last figures in the baseline.
        let measured = Set(results.map(\.name))
        let merged = results + previous.filter { !measured.contains($0.name) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try? encoder.encode(merged).write(to: url)
    }

    static func printTable(_ rows: [[String]]) {
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for (index, row) in rows.enumerated() {
            Swift.print("| " + row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: " | ") + " |")
            if index == 0 { Swift.print("|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|") }
        }
    }

    static func format(_ value: Double) -> String {
        value >= 100 ? String(format: "%.0f", value) : String(format: "%.2f", value)
    }
}
