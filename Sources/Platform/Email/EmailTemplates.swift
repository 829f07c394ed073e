import Foundation
import Mustache

/// One email template in its three parts. Subject and text render without escaping; the HTML part
/// escapes every `{{variable}}` (`{{{variable}}}` opts out, and the check below cannot tell).
public struct EmailTemplate: Sendable {
    public let name: String
    let subject: MustacheTemplate
    let text: MustacheTemplate
    let html: MustacheTemplate

    /// Parses the three parts; a syntax error names the template and the part.
    public init(name: String, subject: String, text: String, html: String) throws(EmailTemplateError) {
        func parse(_ source: String, _ part: String, plain: Bool) throws(EmailTemplateError) -> MustacheTemplate {
            do {
                return try MustacheTemplate(string: (plain ? "{{% CONTENT_TYPE: TEXT}}" : "") + source)
            } catch {
                throw EmailTemplateError(template: name, part: part, "does not parse: \(error)")
            }
        }
        self.name = name
        self.subject = try parse(subject, "subject", plain: true)
        self.text = try parse(text, "text", plain: true)
        self.html = try parse(html, "html", plain: false)
    }

    /// Renders all parts; a variable the template uses but `variables` lacks is an error, not an empty string.
    public func render(_ variables: [String: TemplateValue]) throws(EmailTemplateError) -> RenderedEmail {
        var parts: [String] = []
        for (part, template) in [("subject", subject), ("text", text), ("html", html)] {
            let root = StrictVariables(variables)
            let output = template.render(root)
            if !root.missing.isEmpty {
                throw EmailTemplateError(template: name, part: part,
                                         "uses \(root.missing.sorted().map { "{{\($0)}}" }.joined(separator: ", ")), which it is not given"
                                         + " (it has: \(variables.keys.sorted().joined(separator: ", ")))")
            }
            parts.append(output)
        }
        let subjectLine = parts[0].split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
        guard !subjectLine.isEmpty else { throw EmailTemplateError(template: name, part: "subject", "renders empty") }
        return RenderedEmail(subject: subjectLine, text: parts[1], html: parts[2])
    }
}

public struct RenderedEmail: Sendable, Equatable {
    public var subject: String
    public var text: String
    public var html: String
}

public struct EmailTemplateError: Error, CustomStringConvertible, Sendable {
    public let template: String
    public let part: String
    public let message: String

    init(template: String, part: String, _ message: String) {
        self.template = template
        self.part = part
        self.message = message
    }

    public var description: String { "email template \(template) (\(part)): \(message)" }
}

/// The root of a render: answers the given variables and records every other name asked for.
/// Lookups inside sections first ask the section's own value, then fall back here, so only names
/// found nowhere reach `missing`.
final class StrictVariables: MustacheParent {
    private let values: [String: Any]
    private(set) var missing: Set<String> = []

    init(_ variables: [String: TemplateValue]) {
        values = variables.compactMapValues(\.mustacheValue)
    }

    func child(named name: String) -> Any? {
        if let value = values[name] { return value }
        // A variable given as null is present but empty (`{{^name}}` sections test for it).
        missing.insert(name)
        return nil
    }
}

/// The built-in templates from `templates/email/<name>.{subject,text,html}.mustache`, checked when
/// loaded: every built-in exists in all three parts, parses, and uses only the variables its
/// `EmailContent` type provides (plus the globals every email gets).
public struct EmailTemplates: Sendable {
    public let globals: [String: TemplateValue]
    private let templates: [String: EmailTemplate]
    /// Each built-in's three sources, as the workspace template editor starts from them.
    private let sources: [String: TemplateSource]

    public static func load(folder: URL, globals: [String: TemplateValue]) throws -> EmailTemplates {
        var templates: [String: EmailTemplate] = [:]
        var sources: [String: TemplateSource] = [:]
        var problems: [String] = []
        for content in BuiltInEmails.all {
            let name = content.template
            var parts: [String] = []
            for part in ["subject", "text", "html"] {
                let file = folder.appendingPathComponent("email/\(name).\(part).mustache")
                if let source = try? String(contentsOf: file, encoding: .utf8) {
                    parts.append(source)
                } else {
                    problems.append("\(file.path): missing or unreadable")
                }
            }
            guard parts.count == 3 else { continue }
            let source = TemplateSource(subject: parts[0], text: parts[1], html: parts[2])
            do {
                templates[name] = try check(name: name, source, globals: globals)
                sources[name] = source
            } catch {
                problems.append("\(folder.path)/email/\(name).*: \(error)")
            }
        }
        guard problems.isEmpty else { throw EmailTemplatesError(problems: problems) }
        return EmailTemplates(globals: globals, templates: templates, sources: sources)
    }

    /// Parses a template and, when `name` is a built-in, renders its sample through the strict root:
    /// a workspace's version of a built-in may use only the variables the built-in is given.
    public static func check(name: String, _ source: TemplateSource, globals: [String: TemplateValue]) throws -> EmailTemplate {
        let template = try EmailTemplate(name: name, subject: source.subject, text: source.text, html: source.html)
        if let content = BuiltInEmails.all.first(where: { $0.template == name }) {
            _ = try template.render(try content.sample.variables().merging(globals) { own, _ in own })
        }
        return template
    }

    /// Checks a workspace's version of a template with this process's globals.
    public func check(name: String, _ source: TemplateSource) throws -> EmailTemplate {
        try Self.check(name: name, source, globals: globals)
    }

    public func template(named name: String) -> EmailTemplate? {
        templates[name]
    }

    public func source(named name: String) -> TemplateSource? {
        sources[name]
    }

    public var builtInNames: [String] { templates.keys.sorted() }

    /// The variables a template of that name is given: a built-in's sample keys, or those of a
    /// campaign email (its own, the recipient's, `email`, `name`, `unsubscribe_url`), and the globals.
    public func variables(of name: String) -> [String] {
        let own = (try? BuiltInEmails.all.first { $0.template == name }?.sample.variables().keys.sorted()) ?? CampaignMessage.recipientVariables
        return own + globals.keys.sorted()
    }

    /// Renders a built-in with the globals added.
    public func render(_ name: String, variables: [String: TemplateValue]) throws -> RenderedEmail {
        guard let template = templates[name] else {
            throw EmailTemplateError(template: name, part: "all", "no such template")
        }
        return try template.render(variables.merging(globals) { own, _ in own })
    }
}

/// A template's three parts as text.
public struct TemplateSource: Sendable, Codable, Equatable {
    public var subject: String
    public var text: String
    public var html: String

    public init(subject: String, text: String, html: String) {
        self.subject = subject
        self.text = text
        self.html = html
    }
}

/// Everything wrong with the template folder, reported at once at startup.
public struct EmailTemplatesError: Error, CustomStringConvertible {
    public let problems: [String]
    public var description: String { "email templates are not usable:\n  " + problems.joined(separator: "\n  ") }
}
