import Mustache
import Providers

/// A template rendered once for a whole batch: the shared variables as they are, each personal
/// variable (name, address, unsubscribe link, a recipient's own) as a token. A recipient joins the
/// batch only when substituting its values into the skeleton gives exactly its own rendering, so
/// sections that test a personal variable, transforms applied to one, or a value that is not a
/// plain scalar simply send that recipient a message of its own.
public struct BatchSkeleton: Sendable {
    public let subject: String
    public let text: String
    public let html: String
    let personalKeys: [String]

    private static let textValue = try! MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}{{value}}")
    private static let htmlValue = try! MustacheTemplate(string: "{{value}}")

    /// Nil when the template does not render with tokens in place of the personal variables.
    public init?(template: EmailTemplate, shared: [String: TemplateValue], personalKeys: Set<String>) {
        let keys = personalKeys.sorted()
        var textVariables = shared
        var htmlVariables = shared
        for (index, key) in keys.enumerated() {
            textVariables[key] = .string(EmailBatch.token(index, html: false))
            htmlVariables[key] = .string(EmailBatch.token(index, html: true))
        }
        guard let textRendering = try? template.render(textVariables), let htmlRendering = try? template.render(htmlVariables) else {
            return nil
        }
        subject = textRendering.subject
        text = textRendering.text
        html = htmlRendering.html
        self.personalKeys = keys
    }

    /// The keys of the recipients' variables that can be tokens (strings and numbers); any other
    /// value (a flag or list a section tests) becomes part of `shared` as the first recipient has
    /// it, so recipients with that same value still share the skeleton.
    public static func personalKeys(of recipients: [[String: TemplateValue]], shared: inout [String: TemplateValue]) -> Set<String> {
        var keys = Set<String>()
        for variables in recipients {
            for (key, value) in variables {
                switch value {
                case .string, .int, .double: keys.insert(key)
                default: if shared[key] == nil { shared[key] = value }
                }
            }
        }
        for key in keys { shared[key] = nil }
        return keys
    }

    /// The substitutions that turn the skeleton into `rendered`, the recipient's own rendering with
    /// `variables`; nil when no substitution does.
    public func substitutions(for variables: [String: TemplateValue], rendered: RenderedEmail) -> [String: String]? {
        var substitutions: [String: String] = [:]
        for (index, key) in personalKeys.enumerated() {
            guard let value = variables[key]?.mustacheValue else { continue }
            let text = Self.textValue.render(["value": value])
            let html = Self.htmlValue.render(["value": value])
            guard EmailBatch.isSafeValue(text), EmailBatch.isSafeValue(html) else { return nil }
            substitutions[EmailBatch.token(index, html: false)] = text
            substitutions[EmailBatch.token(index, html: true)] = html
        }
        let matches = EmailBatch.substitute(subject, substitutions) == rendered.subject
            && EmailBatch.substitute(text, substitutions) == rendered.text
            && EmailBatch.substitute(html, substitutions) == rendered.html
        return matches ? substitutions.filter { token, _ in [subject, text, html].contains { $0.contains(token) } } : nil
    }
}
