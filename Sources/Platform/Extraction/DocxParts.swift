import Foundation
import ZIPFoundation

/// The XML parts of a DOCX that hold its text (headers, then the body), read in-process from the
/// ZIP archive. A zip bomb is refused twice: by the sizes the archive declares before anything is
/// unpacked, and by the bytes actually inflated, which stop at the limit whatever the archive claims.
enum DocxParts {
    struct TooLarge: Error {}

    static func read(_ file: URL, limits: ExtractionLimits) throws -> [(name: String, xml: Data)] {
        let archive: Archive
        do {
            archive = try Archive(url: file, accessMode: .read)
        } catch {
            throw ExtractionFailure.corrupt("not a DOCX (zip) archive")
        }
        let entries = Array(archive)
        // Saturating: sizes crafted to wrap around must not add up to something small.
        let declared = entries.reduce(UInt64(0)) { total, entry in
            let (sum, overflow) = total.addingReportingOverflow(entry.uncompressedSize)
            return overflow ? .max : sum
        }
        guard declared <= UInt64(limits.maxUncompressedBytes) else {
            throw ExtractionFailure.corrupt("it would expand to \(declared) bytes, more than \(limits.maxUncompressedBytes) (a zip bomb?)")
        }
        let names = Set(entries.filter { $0.type == .file }.map(\.path))
        guard names.contains("word/document.xml") else { throw ExtractionFailure.corrupt("no word/document.xml in the archive") }
        let headers = names.filter { $0.hasPrefix("word/header") && $0.hasSuffix(".xml") }.sorted()
        var budget = limits.maxUncompressedBytes
        var parts: [(String, Data)] = []
        for name in headers + ["word/document.xml"] {
            guard let entry = archive[name] else { throw ExtractionFailure.corrupt("\(name) cannot be unpacked") }
            var xml = Data()
            do {
                _ = try archive.extract(entry) { chunk in
                    budget -= chunk.count
                    guard budget >= 0 else { throw TooLarge() }
                    xml.append(chunk)
                }
            } catch is TooLarge {
                throw ExtractionFailure.corrupt("it expands to more than \(limits.maxUncompressedBytes) bytes (a zip bomb?)")
            } catch {
                throw ExtractionFailure.corrupt("\(name) cannot be unpacked")
            }
            parts.append((name, xml))
        }
        return parts
    }
}
