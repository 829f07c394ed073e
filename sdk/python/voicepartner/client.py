"""The client: one HTTP transport and a group of methods per part of the API."""
from __future__ import annotations

import json
import mimetypes
import os
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, TypeVar, Union

from .errors import AuthenticationError, JobFailed, RateLimited, TransportError, WaitTimeout, error_from_response
from .models import (Assistant, AvailableNumber, Call, EnqueuedJob, File, Job, Page, PhoneNumber, Tool, WebhookDelivery,
                     WebhookEndpoint, Workspace)

T = TypeVar("T")
JSON = Any


class Client:
    """A client of one VoicePartnerAI API.

    Authenticate with an API key (`api_key=`; it acts in its own workspace) or as a user
    (`access_token=`/`refresh_token=`, or `auth.login(...)`; name the workspace with
    `workspace_id=`). An expired access token is refreshed once, automatically, when a refresh
    token is known. A 429 is retried after its `Retry-After` up to `max_retries` times.
    """

    def __init__(self, base_url: str, api_key: Optional[str] = None, access_token: Optional[str] = None,
                 refresh_token: Optional[str] = None, workspace_id: Optional[str] = None, timeout: float = 30.0,
                 max_retries: int = 2, user_agent: str = "voicepartner-python/0.1.0") -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.access_token = access_token
        self.refresh_token = refresh_token
        self.workspace_id = workspace_id
        self.timeout = timeout
        self.max_retries = max_retries
        self.user_agent = user_agent
        self.auth = Auth(self)
        self.workspaces = Workspaces(self)
        self.assistants = Assistants(self)
        self.calls = Calls(self)
        self.phone_numbers = PhoneNumbers(self)
        self.files = Files(self)
        self.jobs = Jobs(self)
        self.tools = Tools(self)
        self.webhooks = Webhooks(self)
        self.analytics = Analytics(self)

    # -- transport -----------------------------------------------------------------------------

    def request(self, method: str, path: str, json_body: JSON = None, params: Optional[Dict[str, Any]] = None,
                headers: Optional[Dict[str, str]] = None, body: Optional[bytes] = None, content_type: Optional[str] = None,
                authenticated: bool = True) -> JSON:
        """Sends one request and answers its decoded JSON (None for an empty answer)."""
        url = self.base_url + path
        query = {key: value for key, value in (params or {}).items() if value is not None}
        if query:
            url += "?" + urllib.parse.urlencode(query, doseq=True)
        data = body
        all_headers = {"Accept": "application/json", "User-Agent": self.user_agent}
        if json_body is not None:
            data = json.dumps(json_body).encode()
            all_headers["Content-Type"] = "application/json"
        elif content_type:
            all_headers["Content-Type"] = content_type
        all_headers.update(headers or {})
        refreshed = False
        attempt = 0
        while True:
            if authenticated:
                all_headers.update(self._credentials())
            try:
                status, answer_headers, payload = self._send(method, url, data, all_headers)
            except TransportError:
                if method == "GET" and attempt < self.max_retries:
                    attempt += 1
                    time.sleep(min(0.2 * 2 ** attempt, 2.0))
                    continue
                raise
            decoded = _decode(payload)
            if status < 400:
                return decoded
            error = error_from_response(status, decoded, answer_headers)
            if isinstance(error, RateLimited) and attempt < self.max_retries:
                attempt += 1
                time.sleep(min(error.retry_after or 1.0, 30.0))
                continue
            if (isinstance(error, AuthenticationError) and authenticated and not refreshed and self.refresh_token
                    and not self.api_key and error.code in ("invalid_token", "unauthorized")):
                refreshed = True
                self.auth.refresh()
                continue
            raise error

    def _credentials(self) -> Dict[str, str]:
        headers: Dict[str, str] = {}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        elif self.access_token:
            headers["Authorization"] = f"Bearer {self.access_token}"
            if self.workspace_id:
                headers["X-Workspace-ID"] = self.workspace_id
        return headers

    def _send(self, method: str, url: str, data: Optional[bytes], headers: Dict[str, str]) -> Tuple[int, Dict[str, str], bytes]:
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
        except urllib.error.HTTPError as error:
            return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()
        except (urllib.error.URLError, socket.timeout, ConnectionError) as error:
            raise TransportError(f"{method} {url}: {error}") from error

    def paginate(self, path: str, make: Callable[[Dict[str, Any]], T], params: Optional[Dict[str, Any]] = None,
                 page_size: int = 50) -> Iterator[T]:
        """Every item of a list, page after page (`next_cursor` passed back as `cursor`)."""
        cursor: Optional[str] = None
        while True:
            page = self.page(path, make, dict(params or {}, limit=page_size, cursor=cursor))
            yield from page.items
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    def page(self, path: str, make: Callable[[Dict[str, Any]], T], params: Optional[Dict[str, Any]] = None) -> Page[T]:
        answer = self.request("GET", path, params=params)
        return Page(items=[make(item) for item in answer.get("items", [])], next_cursor=answer.get("next_cursor"))


def _present(body: Dict[str, Any]) -> Dict[str, Any]:
    """The fields of a request body that are set (None leaves a field out)."""
    return {key: value for key, value in body.items() if value is not None}


def _decode(payload: bytes) -> JSON:
    if not payload:
        return None
    try:
        return json.loads(payload)
    except ValueError:
        return payload.decode("utf-8", "replace")


class _Group:
    def __init__(self, client: Client) -> None:
        self._client = client


class Auth(_Group):
    def register(self, email: str, password: str, first_name: Optional[str] = None, last_name: Optional[str] = None) -> Dict[str, Any]:
        body = {"email": email, "password": password, "first_name": first_name, "last_name": last_name}
        answer = self._client.request("POST", "/auth/register", _present(body), authenticated=False)
        self._keep(answer)
        return answer

    def login(self, email: str, password: str) -> Dict[str, Any]:
        answer = self._client.request("POST", "/auth/login", {"email": email, "password": password}, authenticated=False)
        self._keep(answer)
        return answer

    def refresh(self) -> Dict[str, Any]:
        """Rotates the refresh token (the old one is spent: presenting it again revokes the chain)."""
        answer = self._client.request("POST", "/auth/refresh", {"refresh_token": self._client.refresh_token}, authenticated=False)
        self._keep(answer)
        return answer

    def logout(self) -> None:
        if self._client.refresh_token:
            self._client.request("POST", "/auth/logout", {"refresh_token": self._client.refresh_token}, authenticated=False)
        self._client.access_token = self._client.refresh_token = None

    def me(self) -> Dict[str, Any]:
        return self._client.request("GET", "/api/me")

    def _keep(self, answer: Dict[str, Any]) -> None:
        self._client.access_token = answer.get("access_token", self._client.access_token)
        self._client.refresh_token = answer.get("refresh_token", self._client.refresh_token)


class Workspaces(_Group):
    def list(self) -> List[Workspace]:
        answer = self._client.request("GET", "/api/workspaces")
        items = answer.get("items", []) if isinstance(answer, dict) else answer
        return [Workspace.from_json(item) for item in items]

    def create(self, name: str, **settings: Any) -> Workspace:
        return Workspace.from_json(self._client.request("POST", "/api/workspaces", dict(settings, name=name)))

    def get(self, workspace_id: str) -> Workspace:
        return Workspace.from_json(self._client.request("GET", f"/api/workspaces/{workspace_id}"))

    def update(self, workspace_id: str, **changes: Any) -> Workspace:
        return Workspace.from_json(self._client.request("PUT", f"/api/workspaces/{workspace_id}", changes))

    def delete(self, workspace_id: str) -> None:
        self._client.request("DELETE", f"/api/workspaces/{workspace_id}")

    def members(self, workspace_id: str) -> Dict[str, Any]:
        return self._client.request("GET", f"/api/workspaces/{workspace_id}/members")

    def invite(self, workspace_id: str, email: str, role: str = "member") -> Dict[str, Any]:
        return self._client.request("POST", f"/api/workspaces/{workspace_id}/members", {"email": email, "role": role})

    def create_api_key(self, workspace_id: str, name: str, scopes: List[str]) -> Dict[str, Any]:
        """A new key; its `key` is in this answer only."""
        return self._client.request("POST", f"/api/workspaces/{workspace_id}/api-keys", {"name": name, "scopes": scopes})


class Assistants(_Group):
    def list(self, page_size: int = 50) -> Iterator[Assistant]:
        return self._client.paginate("/api/assistants", Assistant.from_json, page_size=page_size)

    def create(self, name: str, **settings: Any) -> Assistant:
        return Assistant.from_json(self._client.request("POST", "/api/assistants", dict(settings, name=name)))

    def get(self, assistant_id: str) -> Assistant:
        return Assistant.from_json(self._client.request("GET", f"/api/assistants/{assistant_id}"))

    def update(self, assistant_id: str, **changes: Any) -> Assistant:
        return Assistant.from_json(self._client.request("PUT", f"/api/assistants/{assistant_id}", changes))

    def delete(self, assistant_id: str) -> None:
        self._client.request("DELETE", f"/api/assistants/{assistant_id}")

    def deploy(self, assistant_id: str) -> Assistant:
        return Assistant.from_json(self._client.request("POST", f"/api/assistants/{assistant_id}/deploy"))

    def tools(self, assistant_id: str) -> List[Dict[str, Any]]:
        """The tools the assistant's model may call (id, name, enabled)."""
        return self._client.request("GET", f"/api/assistants/{assistant_id}/tools")["data"]

    def set_tools(self, assistant_id: str, tool_ids: List[str]) -> List[Dict[str, Any]]:
        """Replaces the assistant's tools with tools of its workspace."""
        return self._client.request("PUT", f"/api/assistants/{assistant_id}/tools", {"tool_ids": tool_ids})["data"]

    def files(self, assistant_id: str) -> List[Dict[str, Any]]:
        """The documents the assistant knows (id, name, status)."""
        return self._client.request("GET", f"/api/assistants/{assistant_id}/files")["data"]

    def set_files(self, assistant_id: str, file_ids: List[str]) -> List[Dict[str, Any]]:
        """Replaces the assistant's documents with files of its workspace."""
        return self._client.request("PUT", f"/api/assistants/{assistant_id}/files", {"file_ids": file_ids})["data"]

    def versions(self, assistant_id: str) -> List[Dict[str, Any]]:
        """What each deploy froze, newest first."""
        return self._client.request("GET", f"/api/assistants/{assistant_id}/versions")["data"]

    def start_conversation(self, assistant_id: str, version: Optional[int] = None) -> Dict[str, Any]:
        """A text conversation with the draft, or with a deployed `version`; answers its id and greeting."""
        body = {"version": version} if version is not None else {}
        return self._client.request("POST", f"/api/assistants/{assistant_id}/conversations", body)

    def say(self, assistant_id: str, conversation_id: str, text: str, idempotency_key: Optional[str] = None) -> Dict[str, Any]:
        """One turn of a text conversation: the assistant's `reply` and what it does next (`action`)."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return self._client.request("POST", f"/api/assistants/{assistant_id}/conversations/{conversation_id}/turns", {"text": text},
                                    headers=headers)

    def rollback(self, assistant_id: str, version: int) -> Assistant:
        """Deploys `version`'s settings and links again, as the next version."""
        return Assistant.from_json(self._client.request("POST", f"/api/assistants/{assistant_id}/versions/{version}/rollback"))


class Calls(_Group):
    def outbound(self, assistant_id: str, to: str, from_number: Optional[str] = None, record: Optional[bool] = None,
                 idempotency_key: Optional[str] = None) -> Call:
        body = {"assistant_id": assistant_id, "to": to, "from": from_number, "record": record}
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return Call.from_json(self._client.request("POST", "/api/calls/outbound", _present(body),
                                                   headers=headers))

    def status(self, call_id: str) -> Call:
        return Call.from_json(self._client.request("GET", f"/api/calls/{call_id}/status"))

    def history(self, page_size: int = 50, **filters: Any) -> Iterator[Call]:
        return self._client.paginate("/api/calls/history", Call.from_json, params=filters, page_size=page_size)

    def end(self, call_id: str) -> Call:
        return Call.from_json(self._client.request("POST", f"/api/calls/{call_id}/end"))

    def transcript(self, call_id: str) -> Dict[str, Any]:
        """The call's conversation turn by turn, and its analysis once made."""
        return self._client.request("GET", f"/api/calls/{call_id}/transcript")


class PhoneNumbers(_Group):
    def list(self) -> List[PhoneNumber]:
        return [PhoneNumber.from_json(item) for item in self._client.request("GET", "/api/phone-numbers")]

    def add(self, number: str, label: Optional[str] = None, assistant_id: Optional[str] = None,
            provider_sid: Optional[str] = None) -> PhoneNumber:
        """Registers a number the Twilio account already holds; bound to an assistant, it is pointed at this deployment."""
        body = {"number": number, "label": label, "assistant_id": assistant_id, "provider_sid": provider_sid}
        return PhoneNumber.from_json(self._client.request("POST", "/api/phone-numbers", _present(body)))

    def get(self, number_id: str) -> PhoneNumber:
        return PhoneNumber.from_json(self._client.request("GET", f"/api/phone-numbers/{number_id}"))

    def update(self, number_id: str, **changes: Any) -> PhoneNumber:
        """Changes `label` or `assistant_id` (None unbinds the number)."""
        return PhoneNumber.from_json(self._client.request("PUT", f"/api/phone-numbers/{number_id}", changes))

    def delete(self, number_id: str) -> None:
        self._client.request("DELETE", f"/api/phone-numbers/{number_id}")

    def available(self, country: str = "US", area_code: Optional[str] = None, contains: Optional[str] = None,
                  limit: Optional[int] = None) -> Dict[str, Any]:
        """Numbers on offer at Twilio (`numbers`, a list of `AvailableNumber`) and the price in credits (`price_credits`)."""
        answer = self._client.request("GET", "/api/phone-numbers/available",
                                      params={"country": country, "area_code": area_code, "contains": contains, "limit": limit})
        return {"numbers": [AvailableNumber.from_json(item) for item in answer.get("data", [])], "price_credits": answer.get("price_credits")}

    def purchase(self, number: str, label: Optional[str] = None, assistant_id: Optional[str] = None) -> PhoneNumber:
        """Buys a number for the workspace (Owners or platform operators): charged at once, bought by a job
        (`provider_status` goes from `purchasing` to `configured`, or `purchase_failed` with the price refunded)."""
        body = {"number": number, "label": label, "assistant_id": assistant_id}
        return PhoneNumber.from_json(self._client.request("POST", "/api/phone-numbers/purchase",
                                                          _present(body)))


class Files(_Group):
    def upload(self, file: Union[str, os.PathLike, bytes], name: Optional[str] = None, content_type: Optional[str] = None,
               assistant_id: Optional[str] = None) -> File:
        """Uploads a path or bytes (then `name` is required); its text is extracted by a job."""
        if isinstance(file, bytes):
            if not name:
                raise ValueError("name is required when uploading bytes")
            data = file
        else:
            with open(file, "rb") as handle:
                data = handle.read()
            name = name or os.path.basename(os.fspath(file))
        content_type = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        fields = [("assistant_id", assistant_id)] if assistant_id else []
        body, multipart_type = _multipart(fields, ("file", name, content_type, data))
        return File.from_json(self._client.request("POST", "/api/files", body=body, content_type=multipart_type))

    def list(self, page_size: int = 50, assistant_id: Optional[str] = None) -> Iterator[File]:
        return self._client.paginate("/api/files", File.from_json, params={"assistant_id": assistant_id}, page_size=page_size)

    def get(self, file_id: str) -> File:
        return File.from_json(self._client.request("GET", f"/api/files/{file_id}"))

    def delete(self, file_id: str) -> None:
        self._client.request("DELETE", f"/api/files/{file_id}")


class Jobs(_Group):
    def enqueue(self, kind: str, args: Optional[Dict[str, Any]] = None, idempotency_key: Optional[str] = None,
                **options: Any) -> EnqueuedJob:
        """Enqueues a job of a kind the key may start (`priority`, `delay_seconds`, `max_attempts`, `tags`, …)."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return EnqueuedJob.from_json(self._client.request("POST", "/api/jobs", dict(options, kind=kind, args=args or {}), headers=headers))

    def get(self, job_id: int) -> Job:
        return Job.from_json(self._client.request("GET", f"/api/jobs/{job_id}"))

    def list(self, page_size: int = 50, **filters: Any) -> Iterator[Job]:
        """Jobs newest first (`state`, `kind`, `queue`, `search`)."""
        return self._client.paginate("/api/jobs", Job.from_json, params=filters, page_size=page_size)

    def cancel(self, job_id: int) -> Job:
        return Job.from_json(self._client.request("POST", f"/api/jobs/{job_id}/cancel"))

    def retry(self, job_id: int) -> Job:
        return Job.from_json(self._client.request("POST", f"/api/jobs/{job_id}/retry"))

    def wait(self, job_id: int, timeout: float = 60.0, initial_delay: float = 0.05, max_delay: float = 2.0,
             raise_on_failure: bool = True) -> Job:
        """Polls until the job is finished, doubling the delay from `initial_delay` up to `max_delay`.
        A discarded or cancelled job raises `JobFailed` unless `raise_on_failure` is false."""
        deadline = time.monotonic() + timeout
        delay = initial_delay
        while True:
            job = self.get(job_id)
            if job.finished:
                if raise_on_failure and job.state != "completed":
                    raise JobFailed(job)
                return job
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WaitTimeout(f"job {job_id} is still {job.state} after {timeout} s")
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, max_delay)


class Tools(_Group):
    def list(self, page_size: int = 50, category: Optional[str] = None) -> Iterator[Tool]:
        return self._client.paginate("/api/tools", Tool.from_json, params={"category": category}, page_size=page_size)

    def create(self, name: str, url: str, **settings: Any) -> Tool:
        return Tool.from_json(self._client.request("POST", "/api/tools", dict(settings, name=name, url=url)))

    def get(self, tool_id: str) -> Tool:
        return Tool.from_json(self._client.request("GET", f"/api/tools/{tool_id}"))

    def update(self, tool_id: str, **changes: Any) -> Tool:
        return Tool.from_json(self._client.request("PUT", f"/api/tools/{tool_id}", changes))

    def delete(self, tool_id: str) -> None:
        self._client.request("DELETE", f"/api/tools/{tool_id}")

    def test(self, tool_id: str, arguments: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        return self._client.request("POST", f"/api/tools/{tool_id}/test", {"arguments": arguments or {}})

    def invoke(self, tool_id: str, arguments: Optional[Dict[str, Any]] = None, idempotency_key: Optional[str] = None) -> EnqueuedJob:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return EnqueuedJob.from_json(self._client.request("POST", f"/api/tools/{tool_id}/invoke", {"arguments": arguments or {}}, headers=headers))

    def usage(self, tool_id: str, **period: Any) -> Dict[str, Any]:
        return self._client.request("GET", f"/api/tools/{tool_id}/usage", params=period)


class Webhooks(_Group):
    def list(self) -> List[WebhookEndpoint]:
        return [WebhookEndpoint.from_json(item) for item in self._client.request("GET", "/api/webhooks").get("items", [])]

    def create(self, url: str, events: List[str], description: str = "", enabled: bool = True) -> WebhookEndpoint:
        """Registers an endpoint; the answer's `secret` is shown this once."""
        return WebhookEndpoint.from_json(self._client.request("POST", "/api/webhooks", {
            "url": url, "events": events, "description": description, "enabled": enabled}))

    def get(self, webhook_id: str) -> WebhookEndpoint:
        return WebhookEndpoint.from_json(self._client.request("GET", f"/api/webhooks/{webhook_id}"))

    def update(self, webhook_id: str, **changes: Any) -> WebhookEndpoint:
        return WebhookEndpoint.from_json(self._client.request("PUT", f"/api/webhooks/{webhook_id}", changes))

    def delete(self, webhook_id: str) -> None:
        self._client.request("DELETE", f"/api/webhooks/{webhook_id}")

    def rotate_secret(self, webhook_id: str) -> WebhookEndpoint:
        return WebhookEndpoint.from_json(self._client.request("POST", f"/api/webhooks/{webhook_id}/rotate-secret"))

    def ping(self, webhook_id: str) -> Dict[str, Any]:
        return self._client.request("POST", f"/api/webhooks/{webhook_id}/ping")

    def deliveries(self, webhook_id: str, state: Optional[str] = None, page_size: int = 20) -> Iterator[WebhookDelivery]:
        return self._client.paginate(f"/api/webhooks/{webhook_id}/deliveries", WebhookDelivery.from_json, params={"state": state},
                                     page_size=page_size)

    def redeliver(self, webhook_id: str, delivery_id: int) -> Dict[str, Any]:
        return self._client.request("POST", f"/api/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver")


class Analytics(_Group):
    """The workspace's figures; `period` (24h, 7d, 30d, 90d, 365d) or `from_`/`to`, `interval`, `tz`."""

    def summary(self, **period: Any) -> Dict[str, Any]:
        return self._client.request("GET", "/api/analytics/summary", params=_period(period))

    def realtime(self) -> Dict[str, Any]:
        return self._client.request("GET", "/api/analytics/realtime")

    def performance(self, **period: Any) -> Dict[str, Any]:
        return self._client.request("GET", "/api/analytics/performance", params=_period(period))

    def billing(self, **period: Any) -> Dict[str, Any]:
        return self._client.request("GET", "/api/analytics/billing", params=_period(period))


def _period(period: Dict[str, Any]) -> Dict[str, Any]:
    return {("from" if key == "from_" else key): value for key, value in period.items()}


def _multipart(fields: List[Tuple[str, str]], file: Tuple[str, str, str, bytes]) -> Tuple[bytes, str]:
    boundary = "vpai-" + uuid.uuid4().hex
    parts: List[bytes] = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    name, filename, content_type, data = file
    safe = filename.replace('"', "_").replace("\r", "_").replace("\n", "_")
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{safe}"\r\n'
                 f"Content-Type: {content_type}\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
