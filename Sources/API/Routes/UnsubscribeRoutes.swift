import Foundation
import Hummingbird
import NIOCore
import Platform
import Providers

/// `/unsubscribe?token=…`, the link in every campaign email and its `List-Unsubscribe` header. A
/// POST (a mail client's one-click, RFC 8058, or the page's button) records the unsubscribe; a GET
/// only shows the page with that button, so a link scanner following it unsubscribes nobody.
struct UnsubscribeRoutes {
    let database: APIDatabase
    let sealer: SecretSealer

    func add(to router: Router<APIRequestContext>) {
        router.get("unsubscribe", use: page)
        router.post("unsubscribe", use: unsubscribe)
    }

    private func subject(_ request: Request) throws -> (workspaceID: UUID, address: String, token: String) {
        guard let token = request.uri.queryParameters["token"].map(String.init),
              let subject = CampaignMessage.unsubscribeSubject(token: token, sealer: sealer) else {
            throw APIError(.badRequest, .invalidToken, "this unsubscribe link is not valid")
        }
        return (subject.workspaceID, subject.address, token)
    }

    @Sendable func page(_ request: Request, context: APIRequestContext) async throws -> Response {
        let subject = try subject(request)
        let address = MarkupText.escape(subject.address)
        let action = "/unsubscribe?token=\(subject.token.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? "")"
        return Self.html("""
            <p>Stop campaign emails to <strong>\(address)</strong> from this workspace?</p>
            <form method="post" action="\(MarkupText.escape(action))"><button type="submit">Unsubscribe</button></form>
            """)
    }

    @Sendable func unsubscribe(_ request: Request, context: APIRequestContext) async throws -> Response {
        let subject = try subject(request)
        let logger = database.logger
        try await database.write { transaction in
            guard try await WorkspaceStore.workspace(id: subject.workspaceID, on: transaction.connection, logger: logger) != nil else { return }
            try await EmailStore.unsubscribe(subject.address, workspaceID: subject.workspaceID, on: transaction.connection, logger: logger)
        }
        return Self.html("<p><strong>\(MarkupText.escape(subject.address))</strong> gets no more campaign emails from this workspace.</p>")
    }

    static func html(_ body: String) -> Response {
        let page = """
            <!DOCTYPE html><html><head><meta charset="utf-8"><title>Unsubscribe</title></head>
            <body style="font-family:sans-serif;max-width:560px;margin:40px auto">\(body)</body></html>
            """
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: page)))
    }
}
