/// The values one cron field allows, as a bit set (bit n = value n).
struct FieldSet: Sendable, Equatable {
    var bits: UInt64

    enum Field: Sendable {
        case second, minute, hour, dayOfMonth, month, dayOfWeek

        var range: ClosedRange<Int> {
            switch self {
            case .second, .minute: 0...59
            case .hour: 0...23
            case .dayOfMonth: 1...31
            case .month: 1...12
            // 7 is accepted as Sunday and folded onto 0.
            case .dayOfWeek: 0...7
            }
        }

        var name: String {
            switch self {
            case .second: "second"
            case .minute: "minute"
            case .hour: "hour"
            case .dayOfMonth: "day-of-month"
            case .month: "month"
            case .dayOfWeek: "day-of-week"
            }
        }

        var names: [String: Int] {
            switch self {
            case .month:
                ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
                 "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12]
            case .dayOfWeek:
                ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6]
            default: [:]
            }
        }
    }

    init(bits: UInt64) { self.bits = bits }

    static func all(_ field: Field) -> FieldSet {
        var set = FieldSet(bits: 0)
        for value in field.range { set.insert(value, field) }
        return set
    }

    func contains(_ value: Int) -> Bool { bits & (1 << UInt64(value)) != 0 }

    mutating func insert(_ value: Int, _ field: Field) {
        bits |= 1 << UInt64(field == .dayOfWeek && value == 7 ? 0 : value)
    }

    /// The allowed values in ascending order.
    var values: [Int] { (0..<64).filter { contains($0) } }

    init(_ text: String, _ field: Field) throws(CronError) {
        bits = 0
        guard !text.isEmpty else { throw CronError("empty \(field.name) field") }
        for part in text.lowercased().split(separator: ",", omittingEmptySubsequences: false) {
            try insert(part: String(part), field, whole: text)
        }
    }

    private mutating func insert(part: String, _ field: Field, whole: String) throws(CronError) {
        let range = field.range
        let pieces = part.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard pieces.count <= 2, !pieces[0].isEmpty else {
            throw CronError("\"\(whole)\" is not a valid \(field.name) field")
        }
        var step = 1
        if pieces.count == 2 {
            guard let value = Int(pieces[1]), value > 0, value <= range.upperBound else {
                throw CronError("step \"\(pieces[1])\" in the \(field.name) field must be a number from 1 to \(range.upperBound)")
            }
            step = value
        }
        let low: Int, high: Int
        if pieces[0] == "*" || pieces[0] == "?" {
            (low, high) = (range.lowerBound, field == .dayOfWeek ? 6 : range.upperBound)
        } else if let dash = pieces[0].firstIndex(of: "-") {
            low = try Self.value(String(pieces[0][..<dash]), field)
            high = try Self.value(String(pieces[0][pieces[0].index(after: dash)...]), field)
            guard low <= high else {
                throw CronError("range \"\(pieces[0])\" in the \(field.name) field runs backwards")
            }
        } else {
            low = try Self.value(pieces[0], field)
            // `a/n` means from a to the end of the field in steps of n.
            high = pieces.count == 2 ? (field == .dayOfWeek ? max(6, low) : range.upperBound) : low
        }
        for value in stride(from: low, through: high, by: step) { insert(value, field) }
    }

    private static func value(_ text: String, _ field: Field) throws(CronError) -> Int {
        if let named = field.names[text] { return named }
        guard let value = Int(text), field.range.contains(value) else {
            throw CronError("\"\(text)\" is not a valid \(field.name) "
                            + "(\(field.range.lowerBound)–\(field.range.upperBound)\(field.names.isEmpty ? "" : " or a name"))")
        }
        return value
    }
}
