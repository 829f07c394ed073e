"""Fixtures: the live API (VPAI_API_URL, started by scripts/sdk-python.sh), a signed-in owner with
a workspace, and a local HTTP receiver for webhooks and tools."""
import json
import os
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from voicepartner import Client

PASSWORD = "a long sdk test password"


@pytest.fixture(scope="session")
def api_url():
    url = os.environ.get("VPAI_API_URL")
    if not url:
        pytest.fail("VPAI_API_URL is not set: run the SDK tests through scripts/sdk-python.sh")
    return url


@pytest.fixture
def owner(api_url):
    """A new user, signed in, acting in a new workspace of theirs."""
    client = Client(api_url)
    email = f"sdk-{uuid.uuid4().hex[:10]}@example.com"
    client.auth.register(email, PASSWORD, first_name="Sdk")
    workspace = client.workspaces.create("SDK workspace")
    client.workspace_id = workspace.id
    client.email = email
    return client


class Receiver:
    """Records every request; `/echo` answers what it got, `/fail` answers 503, anything else 204."""

    def __init__(self):
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                receiver.requests.append({"method": self.command, "path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                          "body": body})
                if self.path.startswith("/fail"):
                    self.send_response(503)
                    self.end_headers()
                elif self.path.startswith("/echo"):
                    answer = json.dumps({"method": self.command, "path": self.path}).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                else:
                    self.send_response(204)
                    self.end_headers()

            do_GET = do_POST = do_PUT = _handle

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()
