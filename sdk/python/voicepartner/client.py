"""The clients: `Client` (sync) and `AsyncClient` (asyncio) over httpx, with one set of resource
groups both share. A group method describes a call (`_transport.Call`) and how to read its answer;
the sync client runs it and answers the value, the async client answers a coroutine of the value."""
from __future__ import annotations

import asyncio
import mimetypes
import os
import time
import uuid
from typing import Any, AsyncIterator, Callable, Dict, Iterator, List, Optional, Tuple, TypeVar, Union

import httpx

from . import _transport
from ._transport import Call, Settings
from .errors import APIError, AuthenticationError, JobFailed, TransportError, WaitTimeout
from .models import (AnalyticsBilling, BulkResult, AnalyticsPerformance, AnalyticsRealtime, AnalyticsSummary, APIKey, Assistant,
                     AvailableNumber, Conversation, ConversationReply, CreditAccount, EmailCampaign, EmailTemplateDetails,
                     EnqueuedJob, File, Health, Invite, Job, JobActivity, LedgerEntry, MemberList, Page, PersonalDataRequest,
                     PhoneCall, PhoneNumber, QueuedDelivery, QueueOverview, RenderedEmail, RetriedJobs, Tool, ToolTestResult,
                     ToolUsage, Transcript, User, WebhookDelivery, WebhookEndpoint, Workspace, answer_reader)

T = TypeVar("T")
JSON = Any


def _same(answer: JSON) -> JSON:
    return answer


class _Base:
    """Configuration and resource groups, shared by both clients."""

    def __init__(self, base_url: Optional[str] = None, api_key: Optional[str] = None, *, access_token: Optional[str] = None,
                 refresh_token: Optional[str] = None, workspace_id: Optional[str] = None, timeout: Optional[float] = None,
                 max_retries: Optional[int] = None, backoff: Optional[float] = None, headers: Optional[Dict[str, str]] = None,
                 user_agent: Optional[str] = None) -> None:
        self.settings = Settings.resolve(base_url, api_key, access_token=access_token, refresh_token=refresh_token,
                                         workspace_id=workspace_id, timeout=timeout, max_retries=max_retries, backoff=backoff,
                                         headers=headers, user_agent=user_agent)
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
        self.credits = Credits(self)
        self.email_templates = EmailTemplates(self)
        self.campaigns = Campaigns(self)
        self.personal_data = PersonalData(self)
        self.operator = Operator(self)
        self.health = Health(self)

    # The credentials live in the settings; these keep the old attribute names working.
    base_url = property(lambda self: self.settings.base_url)
    api_key = property(lambda self: self.settings.api_key, lambda self, value: setattr(self.settings, "api_key", value))
    access_token = property(lambda self: self.settings.access_token, lambda self, value: setattr(self.settings, "access_token", value))
    refresh_token = property(lambda self: self.settings.refresh_token, lambda self, value: setattr(self.settings, "refresh_token", value))
    workspace_id = property(lambda self: self.settings.workspace_id, lambda self, value: setattr(self.settings, "workspace_id", value))

    def _may_refresh(self, error: APIError, call: Call, refreshed: bool) -> bool:
        return (isinstance(error, AuthenticationError) and call.authenticated and not refreshed and bool(self.settings.refresh_token)
                and not self.settings.api_key and error.code in ("invalid_token", "unauthorized"))

    def _refresh_call(self) -> Call:
        return Call("POST", "/auth/refresh", {"refresh_token": self.settings.refresh_token}, authenticated=False)

    def _keep_tokens(self, answer: JSON) -> JSON:
        if isinstance(answer, dict):
            self.settings.access_token = answer.get("access_token", self.settings.access_token)
            self.settings.refresh_token = answer.get("refresh_token", self.settings.refresh_token)
        return answer


class Client(_Base):
    """A synchronous client of one VoicePartnerAI API.

    Authenticate with an API key (`api_key=` or `VOICEPARTNER_API_KEY`; it acts in its own
    workspace) or as a user (`access_token=`/`refresh_token=`, or `auth.login(...)`, naming the
    workspace with `workspace_id=`). The address is `base_url=` or `VOICEPARTNER_BASE_URL`.
    Connection failures, 408, 429 and 5xx are retried (`max_retries`, exponential backoff with
    jitter, the server's `Retry-After` when given) for idempotent methods and for the POSTs that
    create work (jobs, tool invocations, turns, outbound calls), which get an `Idempotency-Key` when
    the caller gives none; other POSTs only when they never reached the server or met the rate
    limit. An expired access token is refreshed once.
    Use it as a context manager, or call `close()`, to release its connections.
    """

    def __init__(self, base_url: Optional[str] = None, api_key: Optional[str] = None, *,
                 http_client: Optional[httpx.Client] = None, **options: Any) -> None:
        super().__init__(base_url, api_key, **options)
        self._http = http_client or httpx.Client(timeout=self.settings.timeout)
        self._owns_http = http_client is None

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def request(self, method: str, path: str, json_body: JSON = None, params: Optional[Dict[str, Any]] = None,
                headers: Optional[Dict[str, str]] = None, body: Optional[bytes] = None, content_type: Optional[str] = None,
                authenticated: bool = True) -> JSON:
        """Sends one request and answers its decoded JSON (None for an empty answer)."""
        return self.call(Call(method, path, json_body, params, headers, body, content_type, authenticated))

    def call(self, call: Call, parse: Callable[[JSON], T] = _same) -> T:
        attempts = _Attempts(self, call)
        while True:
            try:
                response = self._http.request(**attempts.next_request())
            except httpx.TransportError as error:
                time.sleep(attempts.after_error(error))
                continue
            step = attempts.after_response(response)
            if step == _REFRESH:
                self.call(self._refresh_call(), self._keep_tokens)
            elif step is not None:
                time.sleep(step)
            else:
                return parse(_transport.decode(response))

    def done(self, value: T) -> T:
        return value

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
        return self.call(Call("GET", path, params=params), lambda answer: _page(answer, make))

    def wait_for_job(self, job_id: int, timeout: float, initial_delay: float, max_delay: float, raise_on_failure: bool) -> Job:
        deadline = time.monotonic() + timeout
        delay = initial_delay
        while True:
            job = self.jobs.get(job_id)
            if _finished(job, raise_on_failure):
                return job
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WaitTimeout(f"job {job_id} is still {job.state} after {timeout} s")
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, max_delay)


class AsyncClient(_Base):
    """The asyncio client: the same groups and methods as `Client`, each awaited; `paginate` and the
    groups' `list` methods answer async iterators. Use `async with`, or `await close()`."""

    def __init__(self, base_url: Optional[str] = None, api_key: Optional[str] = None, *,
                 http_client: Optional[httpx.AsyncClient] = None, **options: Any) -> None:
        super().__init__(base_url, api_key, **options)
        self._http = http_client or httpx.AsyncClient(timeout=self.settings.timeout)
        self._owns_http = http_client is None

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *_: Any) -> None:
        await self.close()

    async def close(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def request(self, method: str, path: str, json_body: JSON = None, params: Optional[Dict[str, Any]] = None,
                      headers: Optional[Dict[str, str]] = None, body: Optional[bytes] = None, content_type: Optional[str] = None,
                      authenticated: bool = True) -> JSON:
        return await self.call(Call(method, path, json_body, params, headers, body, content_type, authenticated))

    async def call(self, call: Call, parse: Callable[[JSON], T] = _same) -> T:
        attempts = _Attempts(self, call)
        while True:
            try:
                response = await self._http.request(**attempts.next_request())
            except httpx.TransportError as error:
                await asyncio.sleep(attempts.after_error(error))
                continue
            step = attempts.after_response(response)
            if step == _REFRESH:
                await self.call(self._refresh_call(), self._keep_tokens)
            elif step is not None:
                await asyncio.sleep(step)
            else:
                return parse(_transport.decode(response))

    async def done(self, value: T) -> T:
        return value

    async def paginate(self, path: str, make: Callable[[Dict[str, Any]], T], params: Optional[Dict[str, Any]] = None,
                       page_size: int = 50) -> AsyncIterator[T]:
        cursor: Optional[str] = None
        while True:
            page = await self.page(path, make, dict(params or {}, limit=page_size, cursor=cursor))
            for item in page.items:
                yield item
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    async def page(self, path: str, make: Callable[[Dict[str, Any]], T], params: Optional[Dict[str, Any]] = None) -> Page[T]:
        return await self.call(Call("GET", path, params=params), lambda answer: _page(answer, make))

    async def wait_for_job(self, job_id: int, timeout: float, initial_delay: float, max_delay: float, raise_on_failure: bool) -> Job:
        deadline = time.monotonic() + timeout
        delay = initial_delay
        while True:
            job = await self.jobs.get(job_id)
            if _finished(job, raise_on_failure):
                return job
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WaitTimeout(f"job {job_id} is still {job.state} after {timeout} s")
            await asyncio.sleep(min(delay, remaining))
            delay = min(delay * 2, max_delay)


_REFRESH = -1.0


class _Attempts:
    """One call's attempts, the same for both clients: what to send next, and after each failure
    whether to wait and send again (the delay), refresh the access token first (`_REFRESH`), or give up
    (raising); `after_response` answers None for an answer to return."""

    def __init__(self, client: _Base, call: Call) -> None:
        self.client, self.call = client, call
        self.prepared = call.prepare(client.settings)
        self.prepared["url"] = client.settings.base_url + call.path
        self.retries = 0
        self.refreshed = False

    def next_request(self) -> Dict[str, Any]:
        if self.call.authenticated:
            self.prepared["headers"].update(_transport.credentials(self.client.settings))
        return self.prepared

    def after_error(self, error: httpx.TransportError) -> float:
        if self.call.retryable(self.prepared["headers"], error=error) and self.retries < self.client.settings.max_retries:
            self.retries += 1
            return _transport.delay(self.client.settings, self.retries, None)
        raise _transport.transport_error(self.call, error) from error

    def after_response(self, response: httpx.Response) -> Optional[float]:
        if response.status_code < 400:
            return None
        failure = _transport.failure(response)
        if self.call.retryable(self.prepared["headers"], status=response.status_code) and self.retries < self.client.settings.max_retries:
            self.retries += 1
            return _transport.delay(self.client.settings, self.retries, failure)
        if self.client._may_refresh(failure, self.call, self.refreshed):
            self.refreshed = True
            return _REFRESH
        raise failure


def _page(answer: JSON, make: Callable[[Dict[str, Any]], T]) -> Page[T]:
    return Page(items=[make(item) for item in answer.get("items", [])], next_cursor=answer.get("next_cursor"))


def _finished(job: Job, raise_on_failure: bool) -> bool:
    if not job.finished:
        return False
    if raise_on_failure and job.state != "completed":
        raise JobFailed(job)
    return True


def _present(body: Dict[str, Any]) -> Dict[str, Any]:
    """The fields of a request body that are set (None leaves a field out)."""
    return {key: value for key, value in body.items() if value is not None}


def _key(idempotency_key: Optional[str]) -> Dict[str, str]:
    return _transport.idempotency_key(idempotency_key)


class _Group:
    def __init__(self, client: Any) -> None:
        self._client = client

    def _do(self, method: str, path: str, json_body: JSON = None, parse: Optional[Callable[[JSON], Any]] = None, **rest: Any) -> Any:
        """Runs the call on the group's client: the value (sync) or a coroutine of it (async). Without
        `parse` the answer is read as the model the OpenAPI document names for the operation."""
        return self._client.call(Call(method, path, json_body, **rest), parse or answer_reader(method, path) or _same)


def _data(answer: JSON) -> Any:
    return answer["data"]


def _items(make: Callable[[Dict[str, Any]], T]) -> Callable[[JSON], List[T]]:
    return lambda answer: [make(item) for item in (answer.get("items", []) if isinstance(answer, dict) else answer)]


class Auth(_Group):
    def register(self, email: str, password: str, first_name: Optional[str] = None, last_name: Optional[str] = None) -> Dict[str, Any]:
        body = {"email": email, "password": password, "first_name": first_name, "last_name": last_name}
        return self._do("POST", "/auth/register", _present(body), self._client._keep_tokens, authenticated=False)

    def login(self, email: str, password: str) -> Dict[str, Any]:
        return self._do("POST", "/auth/login", {"email": email, "password": password}, self._client._keep_tokens, authenticated=False)

    def refresh(self) -> Dict[str, Any]:
        """Rotates the refresh token (the old one is spent: presenting it again revokes the chain)."""
        return self._client.call(self._client._refresh_call(), self._client._keep_tokens)

    def logout(self) -> None:
        token = self._client.settings.refresh_token

        def forget(_: JSON) -> None:
            self._client.settings.access_token = self._client.settings.refresh_token = None
        if not token:
            forget(None)
            return self._client.done(None)
        return self._do("POST", "/auth/logout", {"refresh_token": token}, forget, authenticated=False)

    def me(self) -> User:
        return self._do("GET", "/api/me")

    def forgot_password(self, email: str) -> None:
        """Mails a reset link when the address has an account (the answer never says whether it does)."""
        return self._do("POST", "/auth/forgot-password", {"email": email}, authenticated=False)

    def reset_password(self, token: str, password: str) -> None:
        """Sets a new password with the mailed link's token; every session of the account ends."""
        return self._do("POST", "/auth/reset-password", {"token": token, "password": password}, authenticated=False)

    def accept_invite(self, token: str) -> Workspace:
        """Joins the workspace an invite names, as the signed-in user the invite was sent to."""
        return self._do("POST", "/api/invites/accept", {"token": token})


class Workspaces(_Group):
    def list(self) -> List[Workspace]:
        return self._do("GET", "/api/workspaces", parse=_items(Workspace.from_json))

    def create(self, name: str, **settings: Any) -> Workspace:
        return self._do("POST", "/api/workspaces", dict(settings, name=name), Workspace.from_json)

    def get(self, workspace_id: str) -> Workspace:
        return self._do("GET", f"/api/workspaces/{workspace_id}", parse=Workspace.from_json)

    def update(self, workspace_id: str, **changes: Any) -> Workspace:
        return self._do("PUT", f"/api/workspaces/{workspace_id}", changes, Workspace.from_json)

    def delete(self, workspace_id: str) -> None:
        return self._do("DELETE", f"/api/workspaces/{workspace_id}")

    def members(self, workspace_id: str) -> MemberList:
        return self._do("GET", f"/api/workspaces/{workspace_id}/members")

    def invite(self, workspace_id: str, email: str, role: str = "member") -> Invite:
        return self._do("POST", f"/api/workspaces/{workspace_id}/members", {"email": email, "role": role})

    def set_role(self, workspace_id: str, user_id: str, role: str) -> Dict[str, Any]:
        return self._do("PUT", f"/api/workspaces/{workspace_id}/members/{user_id}", {"role": role})

    def remove_member(self, workspace_id: str, user_id: str) -> None:
        return self._do("DELETE", f"/api/workspaces/{workspace_id}/members/{user_id}")

    def revoke_invite(self, workspace_id: str, invite_id: str) -> None:
        return self._do("DELETE", f"/api/workspaces/{workspace_id}/invites/{invite_id}")

    def create_api_key(self, workspace_id: str, name: str, scopes: List[str]) -> APIKey:
        """A new key; its `key` is in this answer only."""
        return self._do("POST", f"/api/workspaces/{workspace_id}/api-keys", {"name": name, "scopes": scopes})

    def api_keys(self, workspace_id: str) -> List[Dict[str, Any]]:
        """The workspace's keys (never their secrets): name, prefix, scopes, last use, revocation."""
        return self._do("GET", f"/api/workspaces/{workspace_id}/api-keys", parse=_items(dict))

    def revoke_api_key(self, workspace_id: str, key_id: str) -> None:
        return self._do("DELETE", f"/api/workspaces/{workspace_id}/api-keys/{key_id}")

    def audit(self, workspace_id: str, page_size: int = 50, **filters: Any) -> Iterator[Dict[str, Any]]:
        """The workspace's audit log, newest first."""
        return self._client.paginate(f"/api/workspaces/{workspace_id}/audit", dict, params=filters, page_size=page_size)


class Assistants(_Group):
    def list(self, page_size: int = 50) -> Iterator[Assistant]:
        return self._client.paginate("/api/assistants", Assistant.from_json, page_size=page_size)

    def create(self, name: str, **settings: Any) -> Assistant:
        return self._do("POST", "/api/assistants", dict(settings, name=name), Assistant.from_json)

    def get(self, assistant_id: str) -> Assistant:
        return self._do("GET", f"/api/assistants/{assistant_id}", parse=Assistant.from_json)

    def update(self, assistant_id: str, **changes: Any) -> Assistant:
        return self._do("PUT", f"/api/assistants/{assistant_id}", changes, Assistant.from_json)

    def delete(self, assistant_id: str) -> None:
        return self._do("DELETE", f"/api/assistants/{assistant_id}")

    def deploy(self, assistant_id: str) -> Assistant:
        return self._do("POST", f"/api/assistants/{assistant_id}/deploy", parse=Assistant.from_json)

    def tools(self, assistant_id: str) -> List[Dict[str, Any]]:
        """The tools the assistant's model may call (id, name, enabled)."""
        return self._do("GET", f"/api/assistants/{assistant_id}/tools", parse=_data)

    def set_tools(self, assistant_id: str, tool_ids: List[str]) -> List[Dict[str, Any]]:
        """Replaces the assistant's tools with tools of its workspace."""
        return self._do("PUT", f"/api/assistants/{assistant_id}/tools", {"tool_ids": tool_ids}, _data)

    def files(self, assistant_id: str) -> List[Dict[str, Any]]:
        """The documents the assistant knows (id, name, status)."""
        return self._do("GET", f"/api/assistants/{assistant_id}/files", parse=_data)

    def set_files(self, assistant_id: str, file_ids: List[str]) -> List[Dict[str, Any]]:
        """Replaces the assistant's documents with files of its workspace."""
        return self._do("PUT", f"/api/assistants/{assistant_id}/files", {"file_ids": file_ids}, _data)

    def versions(self, assistant_id: str) -> List[Dict[str, Any]]:
        """What each deploy froze, newest first."""
        return self._do("GET", f"/api/assistants/{assistant_id}/versions", parse=_data)

    def start_conversation(self, assistant_id: str, version: Optional[int] = None) -> Conversation:
        """A text conversation with the draft, or with a deployed `version`; answers its id and greeting."""
        return self._do("POST", f"/api/assistants/{assistant_id}/conversations", {"version": version} if version is not None else {})

    def say(self, assistant_id: str, conversation_id: str, text: str, idempotency_key: Optional[str] = None) -> ConversationReply:
        """One turn of a text conversation: the assistant's `reply` and what it does next (`action`)."""
        return self._do("POST", f"/api/assistants/{assistant_id}/conversations/{conversation_id}/turns", {"text": text},
                        headers=_key(idempotency_key))

    def conversation(self, assistant_id: str, conversation_id: str) -> Conversation:
        """A text conversation so far: its turns, state and costs."""
        return self._do("GET", f"/api/assistants/{assistant_id}/conversations/{conversation_id}")

    def rollback(self, assistant_id: str, version: int) -> Assistant:
        """Deploys `version`'s settings and links again, as the next version."""
        return self._do("POST", f"/api/assistants/{assistant_id}/versions/{version}/rollback", parse=Assistant.from_json)


class Calls(_Group):
    def outbound(self, assistant_id: str, to: str, from_number: Optional[str] = None, record: Optional[bool] = None,
                 idempotency_key: Optional[str] = None) -> PhoneCall:
        body = {"assistant_id": assistant_id, "to": to, "from": from_number, "record": record}
        return self._do("POST", "/api/calls/outbound", _present(body), PhoneCall.from_json, headers=_key(idempotency_key))

    def status(self, call_id: str) -> PhoneCall:
        return self._do("GET", f"/api/calls/{call_id}/status", parse=PhoneCall.from_json)

    def history(self, page_size: int = 50, **filters: Any) -> Iterator[PhoneCall]:
        return self._client.paginate("/api/calls/history", PhoneCall.from_json, params=filters, page_size=page_size)

    def end(self, call_id: str) -> PhoneCall:
        return self._do("POST", f"/api/calls/{call_id}/end", parse=PhoneCall.from_json)

    def transcript(self, call_id: str) -> Transcript:
        """The call's conversation turn by turn, and its analysis once made."""
        return self._do("GET", f"/api/calls/{call_id}/transcript")


class PhoneNumbers(_Group):
    def list(self) -> List[PhoneNumber]:
        return self._do("GET", "/api/phone-numbers", parse=_items(PhoneNumber.from_json))

    def add(self, number: str, label: Optional[str] = None, assistant_id: Optional[str] = None,
            provider_sid: Optional[str] = None) -> PhoneNumber:
        """Registers a number the Twilio account already holds; bound to an assistant, it is pointed at this deployment."""
        body = {"number": number, "label": label, "assistant_id": assistant_id, "provider_sid": provider_sid}
        return self._do("POST", "/api/phone-numbers", _present(body), PhoneNumber.from_json)

    def get(self, number_id: str) -> PhoneNumber:
        return self._do("GET", f"/api/phone-numbers/{number_id}", parse=PhoneNumber.from_json)

    def update(self, number_id: str, **changes: Any) -> PhoneNumber:
        """Changes `label` or `assistant_id` (None unbinds the number)."""
        return self._do("PUT", f"/api/phone-numbers/{number_id}", changes, PhoneNumber.from_json)

    def delete(self, number_id: str) -> None:
        return self._do("DELETE", f"/api/phone-numbers/{number_id}")

    def available(self, country: str = "US", area_code: Optional[str] = None, contains: Optional[str] = None,
                  limit: Optional[int] = None) -> Dict[str, Any]:
        """Numbers on offer at Twilio (`numbers`, a list of `AvailableNumber`) and the price in credits (`price_credits`)."""
        def read(answer: JSON) -> Dict[str, Any]:
            return {"numbers": [AvailableNumber.from_json(item) for item in answer.get("data", [])],
                    "price_credits": answer.get("price_credits")}
        return self._do("GET", "/api/phone-numbers/available", parse=read,
                        params={"country": country, "area_code": area_code, "contains": contains, "limit": limit})

    def purchase(self, number: str, label: Optional[str] = None, assistant_id: Optional[str] = None) -> PhoneNumber:
        """Buys a number for the workspace (Owners or platform operators): charged at once, bought by a job
        (`provider_status` goes from `purchasing` to `configured`, or `purchase_failed` with the price refunded)."""
        body = {"number": number, "label": label, "assistant_id": assistant_id}
        return self._do("POST", "/api/phone-numbers/purchase", _present(body), PhoneNumber.from_json)


class Files(_Group):
    def upload(self, file: Union[str, "os.PathLike[str]", bytes], name: Optional[str] = None, content_type: Optional[str] = None,
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
        return self._do("POST", "/api/files", parse=File.from_json, content=body, content_type=multipart_type)

    def list(self, page_size: int = 50, assistant_id: Optional[str] = None) -> Iterator[File]:
        return self._client.paginate("/api/files", File.from_json, params={"assistant_id": assistant_id}, page_size=page_size)

    def get(self, file_id: str) -> File:
        return self._do("GET", f"/api/files/{file_id}", parse=File.from_json)

    def delete(self, file_id: str) -> None:
        return self._do("DELETE", f"/api/files/{file_id}")


class Jobs(_Group):
    def enqueue(self, kind: str, args: Optional[Dict[str, Any]] = None, idempotency_key: Optional[str] = None,
                **options: Any) -> EnqueuedJob:
        """Enqueues a job of a kind the key may start (`priority`, `delay_seconds`, `max_attempts`, `tags`, …).
        Without `idempotency_key` the client makes one, so a retried request still makes one job."""
        return self._do("POST", "/api/jobs", dict(options, kind=kind, args=args or {}), EnqueuedJob.from_json,
                        headers=_key(idempotency_key))

    def get(self, job_id: int) -> Job:
        return self._do("GET", f"/api/jobs/{job_id}", parse=Job.from_json)

    def list(self, page_size: int = 50, **filters: Any) -> Iterator[Job]:
        """Jobs newest first (`state`, `kind`, `queue`, `search`)."""
        return self._client.paginate("/api/jobs", Job.from_json, params=filters, page_size=page_size)

    def cancel(self, job_id: int) -> Job:
        return self._do("POST", f"/api/jobs/{job_id}/cancel", parse=Job.from_json)

    def delete(self, job_id: int) -> None:
        """Deletes a finished job's row."""
        return self._do("DELETE", f"/api/jobs/{job_id}")

    def retry_discarded(self, kind: str) -> RetriedJobs:
        """Runs every discarded job of `kind` again; answers how many (`retried`)."""
        return self._do("POST", "/api/jobs/retry-discarded", {"kind": kind})

    def activity(self) -> JobActivity:
        """The last hour per minute: jobs completed and discarded, average run time."""
        return self._do("GET", "/api/jobs/activity")

    def retry(self, job_id: int) -> Job:
        return self._do("POST", f"/api/jobs/{job_id}/retry", parse=Job.from_json)

    def wait(self, job_id: int, timeout: float = 60.0, initial_delay: float = 0.05, max_delay: float = 2.0,
             raise_on_failure: bool = True) -> Job:
        """Polls until the job is finished, doubling the delay from `initial_delay` up to `max_delay`.
        A discarded or cancelled job raises `JobFailed` unless `raise_on_failure` is false."""
        return self._client.wait_for_job(job_id, timeout, initial_delay, max_delay, raise_on_failure)


class Tools(_Group):
    def list(self, page_size: int = 50, category: Optional[str] = None) -> Iterator[Tool]:
        return self._client.paginate("/api/tools", Tool.from_json, params={"category": category}, page_size=page_size)

    def create(self, name: str, url: str, **settings: Any) -> Tool:
        return self._do("POST", "/api/tools", dict(settings, name=name, url=url), Tool.from_json)

    def get(self, tool_id: str) -> Tool:
        return self._do("GET", f"/api/tools/{tool_id}", parse=Tool.from_json)

    def update(self, tool_id: str, **changes: Any) -> Tool:
        return self._do("PUT", f"/api/tools/{tool_id}", changes, Tool.from_json)

    def delete(self, tool_id: str) -> None:
        return self._do("DELETE", f"/api/tools/{tool_id}")

    def test(self, tool_id: str, arguments: Optional[Dict[str, Any]] = None) -> ToolTestResult:
        return self._do("POST", f"/api/tools/{tool_id}/test", {"arguments": arguments or {}})

    def invoke(self, tool_id: str, arguments: Optional[Dict[str, Any]] = None, idempotency_key: Optional[str] = None) -> EnqueuedJob:
        return self._do("POST", f"/api/tools/{tool_id}/invoke", {"arguments": arguments or {}}, EnqueuedJob.from_json,
                        headers=_key(idempotency_key))

    def usage(self, tool_id: str, **period: Any) -> ToolUsage:
        return self._do("GET", f"/api/tools/{tool_id}/usage", params=period)


class Webhooks(_Group):
    def list(self) -> List[WebhookEndpoint]:
        return self._do("GET", "/api/webhooks", parse=_items(WebhookEndpoint.from_json))

    def create(self, url: str, events: List[str], description: str = "", enabled: bool = True) -> WebhookEndpoint:
        """Registers an endpoint; the answer's `secret` is shown this once."""
        return self._do("POST", "/api/webhooks", {"url": url, "events": events, "description": description, "enabled": enabled},
                        WebhookEndpoint.from_json)

    def get(self, webhook_id: str) -> WebhookEndpoint:
        return self._do("GET", f"/api/webhooks/{webhook_id}", parse=WebhookEndpoint.from_json)

    def update(self, webhook_id: str, **changes: Any) -> WebhookEndpoint:
        return self._do("PUT", f"/api/webhooks/{webhook_id}", changes, WebhookEndpoint.from_json)

    def delete(self, webhook_id: str) -> None:
        return self._do("DELETE", f"/api/webhooks/{webhook_id}")

    def rotate_secret(self, webhook_id: str) -> WebhookEndpoint:
        return self._do("POST", f"/api/webhooks/{webhook_id}/rotate-secret", parse=WebhookEndpoint.from_json)

    def events(self) -> List[str]:
        """The event names an endpoint may subscribe to."""
        return self._do("GET", "/api/webhooks/events", parse=lambda answer: answer.get("events", answer) if isinstance(answer, dict) else answer)

    def ping(self, webhook_id: str) -> QueuedDelivery:
        return self._do("POST", f"/api/webhooks/{webhook_id}/ping")

    def deliveries(self, webhook_id: str, state: Optional[str] = None, page_size: int = 20) -> Iterator[WebhookDelivery]:
        return self._client.paginate(f"/api/webhooks/{webhook_id}/deliveries", WebhookDelivery.from_json, params={"state": state},
                                     page_size=page_size)

    def redeliver(self, webhook_id: str, delivery_id: int) -> QueuedDelivery:
        return self._do("POST", f"/api/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver")


class Analytics(_Group):
    """The workspace's figures; `period` (24h, 7d, 30d, 90d, 365d) or `from_`/`to`, `interval`, `tz`."""

    def summary(self, **period: Any) -> AnalyticsSummary:
        return self._do("GET", "/api/analytics/summary", params=_period(period))

    def realtime(self) -> AnalyticsRealtime:
        return self._do("GET", "/api/analytics/realtime")

    def performance(self, **period: Any) -> AnalyticsPerformance:
        return self._do("GET", "/api/analytics/performance", params=_period(period))

    def billing(self, **period: Any) -> AnalyticsBilling:
        return self._do("GET", "/api/analytics/billing", params=_period(period))


class Credits(_Group):
    """The workspace's credits: balance and allowance, the ledger, warning thresholds, and grants
    (platform operators only)."""

    def account(self) -> CreditAccount:
        return self._do("GET", "/api/credits")

    def ledger(self, page_size: int = 50, **filters: Any) -> Iterator[Dict[str, Any]]:
        return self._client.paginate("/api/credits/ledger", dict, params=filters, page_size=page_size)

    def set_warning_thresholds(self, thresholds: List[int]) -> CreditAccount:
        return self._do("PUT", "/api/credits/settings", {"warning_thresholds": thresholds})

    def grant(self, workspace_id: str, credits: float, description: Optional[str] = None, reference: Optional[str] = None) -> LedgerEntry:
        body = {"workspace_id": workspace_id, "credits": credits, "description": description, "reference": reference}
        return self._do("POST", "/api/credits/grants", _present(body))


class EmailTemplates(_Group):
    """The workspace's email templates by name (Mustache: `{{name}}` and the recipient's fields)."""

    def list(self) -> List[Dict[str, Any]]:
        return self._do("GET", "/api/email/templates", parse=_items(dict))

    def get(self, name: str) -> EmailTemplateDetails:
        return self._do("GET", f"/api/email/templates/{name}")

    def put(self, name: str, subject: str, text: str, html: str) -> EmailTemplateDetails:
        return self._do("PUT", f"/api/email/templates/{name}", {"subject": subject, "text": text, "html": html})

    def delete(self, name: str) -> None:
        return self._do("DELETE", f"/api/email/templates/{name}")

    def preview(self, name: str, **sample: Any) -> RenderedEmail:
        return self._do("POST", f"/api/email/templates/{name}/preview", sample)


class Campaigns(_Group):
    """Bulk email: a template sent to many recipients, paced, counted and cancellable."""

    def create(self, **campaign: Any) -> EmailCampaign:
        return self._do("POST", "/api/email/campaigns", campaign)

    def list(self, page_size: int = 50, **filters: Any) -> Iterator[Dict[str, Any]]:
        return self._client.paginate("/api/email/campaigns", dict, params=filters, page_size=page_size)

    def get(self, campaign_id: str) -> EmailCampaign:
        return self._do("GET", f"/api/email/campaigns/{campaign_id}")

    def cancel(self, campaign_id: str) -> EmailCampaign:
        return self._do("POST", f"/api/email/campaigns/{campaign_id}/cancel")


class PersonalData(_Group):
    """The signed-in user's GDPR rights: an export of their data, and the deletion of their account."""

    def request_export(self) -> PersonalDataRequest:
        return self._do("POST", "/api/me/export")

    def export(self, export_id: str) -> PersonalDataRequest:
        return self._do("GET", f"/api/me/exports/{export_id}")

    def download(self, export_id: str) -> Any:
        return self._do("GET", f"/api/me/exports/{export_id}/download")

    def request_deletion(self, **confirmation: Any) -> PersonalDataRequest:
        return self._do("POST", "/api/me/delete", confirmation)

    def cancel_deletion(self) -> None:
        return self._do("DELETE", "/api/me/delete")


class Health(_Group):
    """The platform's health: `live` (the process answers), `ready` (its database and Redis answer)."""

    def check(self) -> Health:
        return self._do("GET", "/health", authenticated=False)

    def live(self) -> Health:
        return self._do("GET", "/health/live", authenticated=False)

    def ready(self) -> Health:
        return self._do("GET", "/health/ready", authenticated=False)


class Operator(_Group):
    """Routes for platform operators: the queues, pausing them, the live workers, the schedules, and
    the job browser across workspaces with bulk cancel and retry."""

    def queues(self) -> QueueOverview:
        """Every queue's depth and age, and the last hour's activity."""
        return self._do("GET", "/api/admin/queues")

    def pause(self, queue: str) -> None:
        return self._do("POST", f"/api/admin/queues/{queue}/pause")

    def resume(self, queue: str) -> None:
        return self._do("POST", f"/api/admin/queues/{queue}/resume")

    def find_jobs(self, *, state: Optional[str] = None, kind: Optional[str] = None, queue: Optional[str] = None,
                  workspace_id: Optional[str] = None, search: Optional[str] = None, page_size: int = 50) -> Any:
        """Jobs of every workspace and queue, newest first (an iterator that follows the pages)."""
        filters = {"state": state, "kind": kind, "queue": queue, "workspace_id": workspace_id, "search": search}
        return self._client.paginate("/api/admin/jobs", Job.from_json, params=filters, page_size=page_size)

    def cancel_jobs(self, *, queue: Optional[str] = None, state: Optional[str] = None, kind: Optional[str] = None,
                    workspace_id: Optional[str] = None, search: Optional[str] = None) -> BulkResult:
        """Cancels the queued and running jobs the filter matches (name at least one field); at most
        10,000 a call, `more` says whether to call again."""
        body = {"queue": queue, "state": state, "kind": kind, "workspace_id": workspace_id, "search": search}
        return self._do("POST", "/api/admin/jobs/cancel", _present(body))

    def retry_jobs(self, *, queue: Optional[str] = None, state: Optional[str] = None, kind: Optional[str] = None,
                   workspace_id: Optional[str] = None, search: Optional[str] = None) -> BulkResult:
        """Runs the discarded and cancelled jobs the filter matches again; at most 10,000 a call."""
        body = {"queue": queue, "state": state, "kind": kind, "workspace_id": workspace_id, "search": search}
        return self._do("POST", "/api/admin/jobs/retry", _present(body))

    def workers(self) -> List[Dict[str, Any]]:
        return self._do("GET", "/api/admin/workers", parse=_items(dict))

    def schedules(self) -> Any:
        return self._do("GET", "/api/schedules")


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
