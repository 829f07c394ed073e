import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Turns a stored file into UTF-8 text: plain formats by decoding them (encoding detected), HTML
/// without its markup, scripts and styles, PDF with poppler's `pdftotext`, DOCX from its document XML
/// (paragraphs, tables, headers), legacy DOC with `antiword`. Every tool runs under the limits.
public enum TextExtractor {
    public static func extract(_ file: URL, format: DocumentFormat, limits: ExtractionLimits = ExtractionLimits()) async throws -> ExtractedText {
        let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
        guard size <= limits.maxBytes else { throw ExtractionFailure.tooLarge(bytes: size, limit: limits.maxBytes) }
        switch format {
        case .text, .markdown, .csv:
            return finish(decode(try Data(contentsOf: file)), pages: nil, limits: limits)
        case .html:
            return finish(HTMLText.text(of: decode(try Data(contentsOf: file))), pages: nil, limits: limits)
        case .pdf:
            return try await pdf(file, limits: limits)
        case .docx:
            return try await docx(file, limits: limits)
        case .doc:
            // UTF-8 output named explicitly: antiword otherwise follows the locale, and under a plain
            // C locale (containers) writes Latin-1, which has no euro sign.
            let result = try await tool("/usr/bin/antiword", ["-w", "0", "-m", "UTF-8.txt", file.path], limits: limits,
                                        maxOutput: limits.maxCharacters * 4)
            guard result.exitCode == 0 else { throw ExtractionFailure.corrupt(firstLine(result.errorOutput, or: "not a Word document")) }
            return finish(decode(result.output), pages: nil, limits: limits)
        }
    }

    /// Text in UTF-8 whatever it was written in: a byte-order mark decides, else valid UTF-8, else
    /// Windows-1252 (a superset of Latin-1 for text), which decodes any byte sequence.
    static func decode(_ data: Data) -> String {
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { return String(decoding: data.dropFirst(3), as: UTF8.self) }
        if data.starts(with: [0xFF, 0xFE]) { return String(data: data.dropFirst(2), encoding: .utf16LittleEndian) ?? "" }
        if data.starts(with: [0xFE, 0xFF]) { return String(data: data.dropFirst(2), encoding: .utf16BigEndian) ?? "" }
        if let text = String(validating: data, as: UTF8.self) { return text }
        return String(data: data, encoding: .windowsCP1252) ?? String(decoding: data, as: UTF8.self)
    }

    static func pdf(_ file: URL, limits: ExtractionLimits) async throws -> ExtractedText {
        let info = try await tool("/usr/bin/pdfinfo", [file.path], limits: limits, maxOutput: 1 << 20)
        let details = String(decoding: info.output, as: UTF8.self)
        guard info.exitCode == 0 else {
            if info.errorOutput.lowercased().contains("password") { throw ExtractionFailure.encrypted }
            throw ExtractionFailure.corrupt(firstLine(info.errorOutput, or: "not a PDF"))
        }
        let pages = details.split(separator: "\n").first(where: { $0.hasPrefix("Pages:") })
            .flatMap { Int($0.dropFirst("Pages:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        let result = try await tool("/usr/bin/pdftotext", ["-enc", "UTF-8", "-l", String(limits.maxPages), file.path, "-"],
                                    limits: limits, maxOutput: limits.maxCharacters * 4)
        guard result.exitCode == 0 else {
            if result.errorOutput.lowercased().contains("password") { throw ExtractionFailure.encrypted }
            throw ExtractionFailure.corrupt(firstLine(result.errorOutput, or: "pdftotext failed"))
        }
        // pdftotext ends each page with a form feed.
        let text = String(decoding: result.output, as: UTF8.self).replacingOccurrences(of: "\u{0C}", with: "\n")
        var extracted = finish(text, pages: pages, limits: limits)
        if pages > limits.maxPages {
            extracted = ExtractedText(text: extracted.text, pages: pages, characters: extracted.characters, truncated: true)
        }
        return extracted
    }

    static func docx(_ file: URL, limits: ExtractionLimits) async throws -> ExtractedText {
        let parts = try DocxParts.read(file, limits: limits)
        var texts: [String] = []
        for (name, xml) in parts {
            guard let text = WordXMLText.text(of: xml) else { throw ExtractionFailure.corrupt("\(name) is not well-formed XML") }
            texts.append(text)
        }
        return finish(texts.map { $0.trimmingCharacters(in: .newlines) }.joined(separator: "\n"), pages: nil, limits: limits)
    }

    static func tool(_ path: String, _ arguments: [String], limits: ExtractionLimits, maxOutput: Int) async throws -> ToolProcess.Outcome {
        do {
            return try await ToolProcess.run(path, arguments, timeout: limits.timeout, maxOutput: maxOutput)
        } catch ToolProcess.Failure.timedOut(let limit) {
            throw ExtractionFailure.timedOut(limit)
        } catch ToolProcess.Failure.outputTooLarge {
            throw ExtractionFailure.corrupt("\((path as NSString).lastPathComponent) produced more than \(maxOutput) bytes")
        }
    }

    static func finish(_ text: String, pages: Int?, limits: ExtractionLimits) -> ExtractedText {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let truncated = trimmed.count > limits.maxCharacters
        let kept = truncated ? String(trimmed.prefix(limits.maxCharacters)) : trimmed
        return ExtractedText(text: kept, pages: pages, characters: kept.count, truncated: truncated)
    }

    static func firstLine(_ text: String, or fallback: String) -> String {
        text.split(separator: "\n").first.map(String.init) ?? fallback
    }
}

/// The readable text of an HTML document: no markup, scripts, styles or comments; block elements
/// on lines of their own; character references decoded.
enum HTMLText {
    static func text(of html: String) -> String {
        var text = html
        for pattern in ["<!--[\\s\\S]*?-->", "<script\\b[\\s\\S]*?</script\\s*>", "<style\\b[\\s\\S]*?</style\\s*>",
                        "<head\\b[\\s\\S]*?</head\\s*>", "<noscript\\b[\\s\\S]*?</noscript\\s*>"] {
            text = text.replacingOccurrences(of: pattern, with: " ", options: [.regularExpression, .caseInsensitive])
        }
        text = text.replacingOccurrences(of: "<(br|/p|/div|/h[1-6]|/li|/tr|/table|/section|/article)\\b[^>]*>", with: "\n",
                                         options: [.regularExpression, .caseInsensitive])
        text = text.replacingOccurrences(of: "<[^>]*>", with: " ", options: .regularExpression)
        text = decodeEntities(text)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\u{A0}" }).joined(separator: " ")
        }
        return lines.filter { !$0.isEmpty }.joined(separator: "\n")
    }

    static let named: [String: String] = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ",
                                          "copy": "©", "reg": "®", "euro": "€", "mdash": "—", "ndash": "–", "hellip": "…"]

    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var result = ""
        var rest = Substring(text)
        while let ampersand = rest.firstIndex(of: "&") {
            result += rest[..<ampersand]
            let after = rest[rest.index(after: ampersand)...]
            if let semicolon = after.prefix(10).firstIndex(of: ";") {
                let name = after[..<semicolon]
                var decoded: String?
                if name.hasPrefix("#x") || name.hasPrefix("#X") {
                    decoded = UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
                } else if name.hasPrefix("#") {
                    decoded = UInt32(name.dropFirst()).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
                } else {
                    decoded = named[String(name)]
                }
                if let decoded {
                    result += decoded
                    rest = after[after.index(after: semicolon)...]
                    continue
                }
            }
            result += "&"
            rest = after
        }
        return result + rest
    }
}

/// The text of a WordprocessingML part: `w:t` runs, a tab for `w:tab` and between table cells, a
/// line per paragraph and table row.
final class WordXMLText: NSObject, XMLParserDelegate {
    private var text = ""
    private var inText = false
    private var cellsInRow = 0

    static func text(of xml: Data) -> String? {
        let collector = WordXMLText()
        let parser = XMLParser(data: xml)
        parser.delegate = collector
        parser.shouldResolveExternalEntities = false
        guard parser.parse() else { return nil }
        return collector.text
    }

    func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        switch element {
        case "w:t": inText = true
        case "w:tab": text += "\t"
        case "w:br", "w:cr": text += "\n"
        case "w:tr": cellsInRow = 0
        case "w:tc":
            if cellsInRow > 0 { text += "\t" }
            cellsInRow += 1
        default: break
        }
    }

    func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
        switch element {
        case "w:t": inText = false
        case "w:p":
            // A paragraph inside a table cell ends the cell's text, not the line.
            if cellsInRow == 0 { text += "\n" }
        case "w:tr":
            text += "\n"
            cellsInRow = 0
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inText { text += string }
    }
}
