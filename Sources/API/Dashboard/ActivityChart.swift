import Foundation
import QueueEngine

/// The last hour as an inline SVG bar chart, drawn on the server (no script, nothing fetched): one
/// bar per minute, completed jobs stacked under discarded ones, and the minute's average run time
/// as a line on its own scale.
enum ActivityChart {
    static func svg(_ minutes: [ActivityMinute], now: Date = Date()) -> String {
        let width = 720.0, height = 160.0, slot = width / 60
        let start = now.addingTimeInterval(-3_600)
        let peak = max(1, minutes.map { $0.completed + $0.discarded }.max() ?? 1)
        let slowest = max(0.001, minutes.map(\.averageDurationSeconds).max() ?? 0.001)
        var bars = ""
        var points: [String] = []
        for minute in minutes {
            let index = min(59, max(0, Int(minute.minute.timeIntervalSince(start) / 60)))
            let x = Double(index) * slot
            let completed = height * Double(minute.completed) / Double(peak)
            let discarded = height * Double(minute.discarded) / Double(peak)
            bars += #"<rect x="\#(format(x + 1))" y="\#(format(height - completed))" width="\#(format(slot - 2))" "#
                + #"height="\#(format(completed))" fill="rgb(90,164,105)"><title>\#(minute.completed) completed</title></rect>"#
            bars += #"<rect x="\#(format(x + 1))" y="\#(format(height - completed - discarded))" width="\#(format(slot - 2))" "#
                + #"height="\#(format(discarded))" fill="rgb(217,83,79)"><title>\#(minute.discarded) discarded</title></rect>"#
            if minute.completed > 0 {
                points.append("\(format(x + slot / 2)),\(format(height - height * minute.averageDurationSeconds / slowest))")
            }
        }
        let line = points.count > 1
            ? #"<polyline points="\#(points.joined(separator: " "))" fill="none" stroke="rgb(51,102,204)" stroke-width="1.5"/>"# : ""
        let total = minutes.reduce(0) { $0 + $1.completed }
        let failed = minutes.reduce(0) { $0 + $1.discarded }
        return #"<svg id="activity-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(Int(width)) \#(Int(height) + 20)" "#
            + #"width="100%" height="180" role="img" aria-label="jobs per minute over the last hour">"#
            + #"<line x1="0" y1="\#(Int(height))" x2="\#(Int(width))" y2="\#(Int(height))" stroke="rgb(153,153,153)"/>"# + bars + line
            + #"<text x="0" y="\#(Int(height) + 15)" font-size="11">\#(total) completed, \#(failed) discarded in the last hour · "#
            + #"peak \#(peak)/min · slowest average \#(format(slowest)) s (blue line)</text></svg>"#
    }

    static func format(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}
