import Foundation
@testable import Platform
import Testing

/// Text extraction from real files of every format, made here (or by Python's zipfile), plus the
/// hostile ones: a corrupt PDF, a zip bomb named .docx, an oversized file and a stuck tool.
@Suite(.timeLimit(.minutes(2))) struct TextExtractorTests {
    let folder: URL = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("extract-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }()

    func file(_ name: String, _ data: Data) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try data.write(to: url)
        return url
    }

    @Test func plainTextInAnyEncodingComesOutAsUTF8() async throws {
        let latin1 = try file("people.csv", "name;city\nMüller;Düsseldorf\nGarçon;Besançon\n".data(using: .isoLatin1)!)
        #expect(try await TextExtractor.extract(latin1, format: .csv).text == "name;city\nMüller;Düsseldorf\nGarçon;Besançon")
        let bom = try file("notes.md", Data([0xEF, 0xBB, 0xBF]) + Data("# Title\nStraße".utf8))
        #expect(try await TextExtractor.extract(bom, format: .markdown).text == "# Title\nStraße")
        let utf16 = try file("notes.txt", Data([0xFF, 0xFE]) + "Grüße".data(using: .utf16LittleEndian)!)
        #expect(try await TextExtractor.extract(utf16, format: .text).text == "Grüße")
    }

    @Test func htmlLosesItsMarkupScriptsAndStyles() async throws {
        let html = try file("page.html", Data("""
            <html><head><title>T</title><style>body { color: red }</style></head><body>
            <h1>Opening&nbsp;hours</h1><script>alert("no")</script><p>Mon&ndash;Fri &amp; <b>Sat</b></p>
            <!-- hidden --><p>Call &#43;49&#x20;30</p></body></html>
            """.utf8))
        #expect(try await TextExtractor.extract(html, format: .html).text == "Opening hours\nMon–Fri & Sat\nCall +49 30")
    }

    @Test func aMultiPagePDFIsReadPageByPageAndCorruptOnesAreReported() async throws {
        let pdf = try file("two.pdf", Self.pdf(pages: ["First page text", "Second page text"]))
        let extracted = try await TextExtractor.extract(pdf, format: .pdf)
        #expect(extracted.pages == 2)
        #expect(extracted.text.contains("First page text"))
        #expect(extracted.text.contains("Second page text"))
        let firstOnly = try await TextExtractor.extract(pdf, format: .pdf, limits: ExtractionLimits(maxPages: 1))
        #expect(!firstOnly.text.contains("Second page text"))
        #expect(firstOnly.truncated)

        let corrupt = try file("broken.pdf", Data("%PDF-1.4\nthis is not really a PDF\n".utf8))
        await #expect(throws: ExtractionFailure.self) { try await TextExtractor.extract(corrupt, format: .pdf) }
    }

    @Test func aPasswordProtectedPDFEndsAsEncrypted() async throws {
        // pypdf (an independent writer, from the test environment) encrypts the two-page PDF.
        let python = try #require(ProcessInfo.processInfo.environment["VPAI_PYTHON"], "run through scripts/test.sh")
        let plain = try file("plain.pdf", Self.pdf(pages: ["Secret page"]))
        let locked = folder.appendingPathComponent("locked.pdf")
        let script = """
            import sys, pypdf
            writer = pypdf.PdfWriter(clone_from=sys.argv[1])
            writer.encrypt(user_password="open sesame", algorithm="RC4-128")
            writer.write(sys.argv[2])
            """
        let made = try await ToolProcess.run(python, ["-c", script, plain.path, locked.path], timeout: .seconds(30), maxOutput: 1 << 16)
        try #require(made.exitCode == 0, "pypdf: \(made.errorOutput)")
        await #expect(throws: ExtractionFailure.encrypted) { try await TextExtractor.extract(locked, format: .pdf) }
    }

    @Test func aDocxGivesParagraphsTablesAndHeaders() async throws {
        let docx = try await zip("table.docx", [
            "[Content_Types].xml": "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>",
            "word/header1.xml": Self.word("<w:hdr \(Self.ns)><w:p><w:r><w:t>Quarterly report</w:t></w:r></w:p></w:hdr>"),
            "word/document.xml": Self.word("""
                <w:document \(Self.ns)><w:body>
                <w:p><w:r><w:t>Intro</w:t></w:r><w:r><w:tab/><w:t xml:space="preserve">text &amp; more</w:t></w:r></w:p>
                <w:tbl><w:tr><w:tc><w:p><w:r><w:t>Name</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Minutes</w:t></w:r></w:p></w:tc></w:tr>
                <w:tr><w:tc><w:p><w:r><w:t>Reception</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>42</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
                <w:p><w:r><w:t>End</w:t></w:r></w:p></w:body></w:document>
                """),
        ])
        let text = try await TextExtractor.extract(docx, format: .docx).text
        #expect(text == "Quarterly report\nIntro\ttext & more\nName\tMinutes\nReception\t42\nEnd")
    }

    @Test func aZipBombNamedDocxIsRefusedBeforeItIsUnpacked() async throws {
        let bomb = try await zip("bomb.docx", ["word/document.xml": String(repeating: "0", count: 8 << 20)])
        #expect((try FileManager.default.attributesOfItem(atPath: bomb.path)[.size] as? Int ?? 0) < 100_000)
        await #expect(throws: ExtractionFailure.self) {
            try await TextExtractor.extract(bomb, format: .docx, limits: ExtractionLimits(maxUncompressedBytes: 1 << 20))
        }
        let notZip = try file("fake.docx", Data("PK but not really".utf8))
        await #expect(throws: ExtractionFailure.corrupt("not a DOCX (zip) archive")) { try await TextExtractor.extract(notZip, format: .docx) }
    }

    @Test func aRealWord97DocumentComesOutInUTF8() async throws {
        let fixture = try #require(Bundle.module.url(forResource: "opening-hours", withExtension: "doc"))
        let extracted = try await TextExtractor.extract(fixture, format: .doc)
        #expect(extracted.text.contains("Öffnungszeiten der Praxis Müller"))
        #expect(extracted.text.contains("Termine kosten 25 € Anzahlung."), "one line, the euro sign kept: \(extracted.text)")
        #expect(extracted.text.contains("Straße: Große Bleiche 12, 55116 Mainz."))
        #expect(extracted.text.contains("Samstag"))
        #expect(extracted.text.contains("Notfälle: 0800 123456"))
        #expect(extracted.characters == extracted.text.count)
        #expect(!extracted.truncated)
    }

    @Test func oversizedFilesAndNonWordDocsAreRefusedWithTheReason() async throws {
        let big = try file("big.txt", Data(repeating: 0x61, count: 4_096))
        await #expect(throws: ExtractionFailure.tooLarge(bytes: 4_096, limit: 1_024)) {
            try await TextExtractor.extract(big, format: .text, limits: ExtractionLimits(maxBytes: 1_024))
        }
        let notDoc = try file("fake.doc", Data("plain text pretending to be Word".utf8))
        await #expect(throws: ExtractionFailure.self) { try await TextExtractor.extract(notDoc, format: .doc) }
        let truncated = try await TextExtractor.extract(big, format: .text, limits: ExtractionLimits(maxCharacters: 100))
        #expect(truncated.characters == 100)
        #expect(truncated.truncated)
    }

    @Test func aStuckToolIsKilledAtTheDeadline() async throws {
        let started = ContinuousClock.now
        await #expect(throws: ToolProcess.Failure.timedOut(.milliseconds(200))) {
            try await ToolProcess.run("/bin/sleep", ["30"], timeout: .milliseconds(200), maxOutput: 1_024)
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        await #expect(throws: ToolProcess.Failure.outputTooLarge(limit: 1_000)) {
            try await ToolProcess.run("/usr/bin/yes", [], timeout: .seconds(10), maxOutput: 1_000)
        }
    }

    @Test func formatsAreKnownByNameOrMediaType() {
        #expect(DocumentFormat(filename: "Report.PDF", contentType: nil) == .pdf)
        #expect(DocumentFormat(filename: "upload", contentType: "text/html; charset=utf-8") == .html)
        #expect(DocumentFormat(filename: "archive.zip", contentType: "application/zip") == nil)
    }

    // MARK: Fixtures

    static let ns = "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\""

    static func word(_ body: String) -> String { "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\(body)" }

    /// A deflated zip made by Python's zipfile (an independent writer).
    func zip(_ name: String, _ entries: [String: String]) async throws -> URL {
        let url = folder.appendingPathComponent(name)
        let manifest = try file("\(name).json", JSONEncoder().encode(entries))
        let script = """
            import json, sys, zipfile
            entries = json.load(open(sys.argv[1]))
            with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as z:
                for name, text in entries.items(): z.writestr(name, text)
            """
        let result = try await ToolProcess.run("/usr/bin/python3", ["-c", script, manifest.path, url.path], timeout: .seconds(30), maxOutput: 1 << 16)
        try #require(result.exitCode == 0, "python3: \(result.errorOutput)")
        return url
    }

    /// A minimal PDF 1.4 with one Helvetica text line per page, cross-reference table and all.
    static func pdf(pages: [String]) -> Data {
        var objects: [String] = ["<< /Type /Catalog /Pages 2 0 R >>"]
        let kids = pages.indices.map { "\(4 + $0 * 2) 0 R" }.joined(separator: " ")
        objects.append("<< /Type /Pages /Kids [\(kids)] /Count \(pages.count) >>")
        objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
        for (index, text) in pages.enumerated() {
            let stream = "BT /F1 18 Tf 72 700 Td (\(text)) Tj ET"
            objects.append("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
                           + "/Contents \(5 + index * 2) 0 R >>")
            objects.append("<< /Length \(stream.utf8.count) >>\nstream\n\(stream)\nendstream")
        }
        var body = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(body.utf8.count)
            body += "\(index + 1) 0 obj\n\(object)\nendobj\n"
        }
        let xref = body.utf8.count
        body += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { body += String(format: "%010d 00000 n \n", offset) }
        body += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Data(body.utf8)
    }
}
