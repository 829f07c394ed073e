import Hummingbird

/// `/openapi.json` (the document) and `/docs` (a page that renders it with a few lines of inline
/// script: nothing is loaded from the internet).
struct DocsRoutes {
    func add(to router: Router<APIRequestContext>) {
        let document = APIDocument.document.text
        router.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: document)))
        }
        router.get("docs") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: Self.page)))
        }
    }

    static let page = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>VoicePartnerAI API</title>
        <style>
        body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #222 }
        h2 { border-bottom: 1px solid #ddd; margin-top: 2rem } code, pre { font: 13px ui-monospace, monospace }
        .op { margin: .6rem 0; padding: .5rem .8rem; border: 1px solid #e3e3e3; border-radius: 6px }
        .m { display: inline-block; width: 4.5rem; font-weight: 600; text-transform: uppercase }
        .get { color: #1565c0 } .post { color: #2e7d32 } .put { color: #ef6c00 } .delete { color: #c62828 }
        details pre { background: #f6f6f6; padding: .5rem; overflow: auto }
        </style></head>
        <body><h1>VoicePartnerAI API</h1>
        <p>Every error is <code>{"error": {"code", "message", "details", "request_id"}}</code>. Send an access token or an
        API key as <code>Authorization: Bearer …</code> (or a key as <code>X-API-Key</code>). The raw document is
        <a href="/openapi.json">/openapi.json</a>.</p>
        <div id="ops">Loading…</div>
        <script>
        fetch('/openapi.json').then(r => r.json()).then(doc => {
          const byTag = {};
          for (const [path, methods] of Object.entries(doc.paths))
            for (const [method, op] of Object.entries(methods)) (byTag[op.tags[0]] ||= []).push([method, path, op]);
          const root = document.getElementById('ops'); root.textContent = '';
          const el = (tag, text, cls) => { const e = document.createElement(tag); if (text) e.textContent = text; \
        if (cls) e.className = cls; return e; };
          for (const [tag, ops] of Object.entries(byTag)) {
            root.append(el('h2', tag));
            for (const [method, path, op] of ops) {
              const box = el('div', null, 'op');
              box.append(el('span', method, 'm ' + method), el('code', path), el('span', ' — ' + op.summary));
              const ref = op.requestBody && op.requestBody.content['application/json'].schema.$ref;
              if (ref) {
                const d = el('details'); d.append(el('summary', 'body: ' + ref.split('/').pop()));
                d.append(el('pre', JSON.stringify(doc.components.schemas[ref.split('/').pop()], null, 2))); box.append(d);
              }
              if (op.parameters.length) box.append(el('div', 'parameters: ' + op.parameters.map(p => p.name + ' (' + p.in + ')').join(', ')));
              root.append(box);
            }
          }
        });
        </script></body></html>
        """
}
