import Foundation
import Logging
import PostgresNIO

/// A template as one workspace sees it: its own version in front of the built-in of that name.
/// Every sender resolves templates here, so an override behaves the same for lifecycle mail and
/// campaigns: a version that stopped parsing or rendering (a built-in changed under it) gives way
/// to the built-in, logged, rather than stopping the mail.
public struct WorkspaceTemplate: Sendable {
    public let name: String
    public let own: EmailTemplate?
    public let builtIn: EmailTemplate?
    let globals: [String: TemplateValue]
    let logger: Logger

    public static func resolve(_ name: String, workspaceID: UUID?, templates: EmailTemplates, on connection: PostgresConnection,
                               logger: Logger) async throws -> WorkspaceTemplate {
        var own: EmailTemplate?
        if let workspaceID, let source = try await EmailStore.templateOverride(workspaceID: workspaceID, name: name, on: connection, logger: logger) {
            do {
                own = try EmailTemplate(name: name, subject: source.subject, text: source.text, html: source.html)
            } catch {
                logger.warning("workspace template does not parse; using the built-in", metadata: ["template": "\(name)", "error": "\(error)"])
            }
        }
        return WorkspaceTemplate(name: name, own: own, builtIn: templates.template(named: name), globals: templates.globals, logger: logger)
    }

    /// The template rendering starts with; nil when the name is neither the workspace's nor built in.
    public var primary: EmailTemplate? { own ?? builtIn }

    /// Renders with the globals added: the workspace's version, else (or when it fails) the built-in.
    public func render(_ variables: [String: TemplateValue]) throws -> RenderedEmail {
        let all = variables.merging(globals) { own, _ in own }
        if let own {
            let rendering = Result { () throws(EmailTemplateError) in try own.render(all) }
            guard builtIn != nil, case .failure(let error) = rendering else { return try rendering.get() }
            logger.warning("workspace template does not render; using the built-in", metadata: ["template": "\(name)", "error": "\(error)"])
        }
        guard let builtIn else { throw EmailTemplateError(template: name, part: "all", "no such template") }
        return try builtIn.render(all)
    }
}
