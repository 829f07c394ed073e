import Foundation
@testable import Platform
import Providers
import Testing

/// The built-in templates load and render; a broken template folder is refused when loaded, naming
/// the file and the problem, so nothing fails at send time.
@Suite struct EmailTemplateTests {
    static let globals: [String: TemplateValue] = ["app_name": .string("VoicePartnerAI"), "app_url": .string("https://app.example.com")]

    /// A copy of the real folder, to break one file of.
    static func copyOfTemplates() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("templates-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: "templates"), to: folder)
        return folder
    }

    @Test func everyBuiltInTemplateLoadsAndRendersItsSample() throws {
        let templates = try EmailTemplates.load(folder: URL(fileURLWithPath: "templates"), globals: Self.globals)
        for content in BuiltInEmails.all {
            let rendered = try templates.render(content.template, variables: content.sample.variables())
            #expect(!rendered.subject.isEmpty && !rendered.subject.contains("\n"), "\(content.template)")
            #expect(!rendered.text.isEmpty && rendered.html.contains("<html>"), "\(content.template)")
        }
        let report = try templates.render(UsageReportEmail.template, variables: UsageReportEmail.sample.variables())
        #expect(report.text.contains("Front desk: 30 calls, 61.0 minutes"))
    }

    @Test func variablesAreEscapedInHTMLOnly() throws {
        let templates = try EmailTemplates.load(folder: URL(fileURLWithPath: "templates"), globals: Self.globals)
        let rendered = try templates.render(WelcomeEmail.template,
                                            variables: WelcomeEmail(firstName: "<script>alert(1)</script>", email: "a&b@example.com").variables())
        #expect(rendered.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!rendered.html.contains("<script>"))
        #expect(rendered.html.contains("a&amp;b@example.com"))
        #expect(rendered.text.contains("Hello <script>alert(1)</script>,"))
        #expect(rendered.subject == "Welcome to VoicePartnerAI, <script>alert(1)</script>")
    }

    @Test func aVariableTheContentDoesNotProvideIsRefusedAtLoad() throws {
        let folder = try Self.copyOfTemplates()
        try "Hello {{first_name}} {{favourite_colour}}".write(to: folder.appendingPathComponent("email/welcome.text.mustache"),
                                                               atomically: true, encoding: .utf8)
        #expect {
            try EmailTemplates.load(folder: folder, globals: Self.globals)
        } throws: { error in
            let text = "\(error)"
            return text.contains("welcome") && text.contains("{{favourite_colour}}") && text.contains("(text)")
        }
    }

    @Test func aMissingPartOrASyntaxErrorIsRefusedAtLoad() throws {
        let folder = try Self.copyOfTemplates()
        try FileManager.default.removeItem(at: folder.appendingPathComponent("email/credit_warning.html.mustache"))
        try "{{#top_assistants}}unclosed".write(to: folder.appendingPathComponent("email/usage_report.html.mustache"),
                                               atomically: true, encoding: .utf8)
        #expect {
            try EmailTemplates.load(folder: folder, globals: Self.globals)
        } throws: { error in
            let text = "\(error)"
            return text.contains("credit_warning.html.mustache: missing") && text.contains("usage_report") && text.contains("does not parse")
        }
    }

    @Test func theRenderedMessageIsSafeMIME() throws {
        let message = EmailMessage(id: "m-1@example.com", from: EmailAddress("no-reply@example.com", name: "Zoë"),
                                   to: EmailAddress("ada@example.com"), subject: "Line one\r\nBcc: victim@example.com",
                                   text: "plain", html: "<p>html</p>", headers: [("List-Unsubscribe", "<https://x/u>"), ("Bcc", "evil@example.com")])
        let text = String(decoding: MIMEMessage.render(message), as: UTF8.self)
        let headers = text.components(separatedBy: "\r\n\r\n")[0].components(separatedBy: "\r\n")
        #expect(headers.contains("Subject: Line one Bcc: victim@example.com"))
        #expect(!headers.contains { $0.hasPrefix("Bcc:") })
        #expect(headers.contains("From: =?utf-8?B?\(Data("Zoë".utf8).base64EncodedString())?= <no-reply@example.com>"))
        #expect(headers.contains("List-Unsubscribe: <https://x/u>"))
        #expect(headers.contains("Message-ID: <m-1@example.com>"))
    }

    @Test func sealedVariablesOpenOnlyWithTheSameKey() throws {
        let sealer = try SecretSealer(secret: String(repeating: "k", count: 40))
        let sealed = try sealer.seal(["reset_url": .string("https://x/reset?token=secret")])
        #expect(!sealed.contains("secret"))
        #expect(try sealer.open(sealed) == ["reset_url": .string("https://x/reset?token=secret")])
        #expect(throws: (any Error).self) { try SecretSealer(secret: String(repeating: "j", count: 40)).open(sealed) }
        #expect(throws: (any Error).self) { try SecretSealer(secret: "short") }
    }
}
