/// The kinds of files whose text the platform extracts.
public enum DocumentFormat: String, Sendable, Codable, CaseIterable {
    case text, markdown, csv, html, pdf, docx, doc

    /// From the file name's extension, else the declared media type; nil for anything else.
    public init?(filename: String, contentType: String?) {
        let suffix = filename.split(separator: ".").count > 1 ? filename.split(separator: ".").last.map { $0.lowercased() } : nil
        switch suffix {
        case "txt", "text", "log": self = .text
        case "md", "markdown": self = .markdown
        case "csv", "tsv": self = .csv
        case "html", "htm": self = .html
        case "pdf": self = .pdf
        case "docx": self = .docx
        case "doc": self = .doc
        default:
            switch contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() {
            case "text/plain": self = .text
            case "text/markdown": self = .markdown
            case "text/csv": self = .csv
            case "text/html": self = .html
            case "application/pdf": self = .pdf
            case "application/vnd.openxmlformats-officedocument.wordprocessingml.document": self = .docx
            case "application/msword": self = .doc
            default: return nil
            }
        }
    }
}
