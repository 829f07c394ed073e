import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// The dashboard's pages: `templates/dashboard/*.mustache` (a header and footer partial around each
/// page), loaded and checked when the API starts, rendered with HTML escaping of every value.
struct DashboardPages: Sendable {
    static let pageNames = ["login", "error", "home", "workspace", "job", "platform", "try"]
    let library: MustacheLibrary
    let appName: String

    init(folder: URL, appName: String) throws {
        let directory = folder.appendingPathComponent("dashboard")
        var templates: [String: MustacheTemplate] = [:]
        for name in Self.pageNames + ["header", "footer"] {
            let file = directory.appendingPathComponent("\(name).mustache")
            guard let source = try? String(contentsOf: file, encoding: .utf8) else {
                throw DashboardTemplatesError(message: "\(file.path) is missing or unreadable")
            }
            do {
                templates[name] = try MustacheTemplate(string: source)
            } catch {
                throw DashboardTemplatesError(message: "\(file.path) does not parse: \(error)")
            }
        }
        library = MustacheLibrary(templates: templates)
        self.appName = appName
    }

    /// A page as an HTML response; `values` are the page's own, `frame` the header's (user, CSRF).
    func render(_ name: String, status: HTTPResponse.Status = .ok, _ values: [String: Any], frame: [String: Any] = [:],
                headers: HTTPFields = [:]) -> Response {
        var context: [String: Any] = ["app_name": appName]
        context.merge(frame) { _, new in new }
        context.merge(values) { _, new in new }
        let html = library.render(context, withTemplate: name) ?? "<p>page \(name) is missing</p>"
        var fields = headers
        fields[.contentType] = "text/html; charset=utf-8"
        fields[.cacheControl] = "no-store"
        fields[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"
        fields[HTTPField.Name("X-Frame-Options")!] = "DENY"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

struct DashboardTemplatesError: Error, CustomStringConvertible {
    let message: String
    var description: String { "dashboard templates are not usable: \(message)" }
}
