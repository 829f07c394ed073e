/// Splits a migration file into statements (PostgresNIO sends one statement per query). Semicolons
/// inside quotes, quoted identifiers, dollar-quoted bodies and comments do not split.
enum SQLScript {
    static func statements(_ text: String) -> [String] {
        var statements: [String] = []
        var current = ""
        let characters = Array(text)
        var index = 0
        func flush() {
            let trimmed = current.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty { statements.append(trimmed) }
            current = ""
        }
        while index < characters.count {
            let character = characters[index]
            let next: Character? = index + 1 < characters.count ? characters[index + 1] : nil
            if character == "-", next == "-" {
                while index < characters.count, characters[index] != "\n" { index += 1 }
                continue
            }
            if character == "/", next == "*" {
                index += 2
                while index + 1 < characters.count, !(characters[index] == "*" && characters[index + 1] == "/") { index += 1 }
                index += 2
                continue
            }
            if character == "'" || character == "\"" {
                current.append(character)
                index += 1
                while index < characters.count {
                    current.append(characters[index])
                    if characters[index] == character { break }
                    index += 1
                }
                index += 1
                continue
            }
            if character == "$", let tagEnd = characters[(index + 1)...].firstIndex(where: { !($0.isLetter || $0.isNumber || $0 == "_") }),
               characters[tagEnd] == "$" {
                let tag = String(characters[index...tagEnd])
                current += tag
                index = tagEnd + 1
                let rest = String(characters[index...])
                if let close = rest.range(of: tag) {
                    current += rest[..<close.upperBound]
                    index += rest.distance(from: rest.startIndex, to: close.upperBound)
                } else {
                    current += rest
                    index = characters.count
                }
                continue
            }
            if character == ";" {
                flush()
            } else {
                current.append(character)
            }
            index += 1
        }
        flush()
        return statements
    }
}
