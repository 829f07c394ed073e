"""The async client against the live API, and the retry policy: a POST whose answer is lost is sent
again with the same Idempotency-Key and makes one job; throttled and failing reads are retried; a
POST that creates nothing idempotently is not repeated once it may have arrived."""
import asyncio
import uuid

import httpx
import pytest

import voicepartner
from voicepartner import AsyncClient, Client


class LoseFirstAnswer(httpx.BaseTransport):
    """Sends every request on, but drops the answer of the first POST to `path`: the job exists, the
    client sees a broken connection."""

    def __init__(self, path):
        self.inner = httpx.HTTPTransport()
        self.path = path
        self.sent = []

    def handle_request(self, request):
        self.sent.append((request.method, request.url.path, request.headers.get("idempotency-key")))
        response = self.inner.handle_request(request)
        if request.method == "POST" and request.url.path == self.path and len([s for s in self.sent if s[1] == self.path]) == 1:
            response.read()
            response.close()
            raise httpx.ReadError("connection reset after the request was sent")
        return response

    def close(self):
        self.inner.close()


class LoseFirstAnswerAsync(httpx.AsyncBaseTransport):
    def __init__(self, path):
        self.inner = httpx.AsyncHTTPTransport()
        self.path = path
        self.sent = []

    async def handle_async_request(self, request):
        self.sent.append((request.method, request.url.path, request.headers.get("idempotency-key")))
        response = await self.inner.handle_async_request(request)
        if request.method == "POST" and request.url.path == self.path and len([s for s in self.sent if s[1] == self.path]) == 1:
            await response.aread()
            await response.aclose()
            raise httpx.ReadError("connection reset after the request was sent")
        return response

    async def aclose(self):
        await self.inner.aclose()


def _key(owner, scopes=("jobs:write",)):
    return owner.workspaces.create_api_key(owner.workspace_id, f"sdk {uuid.uuid4().hex[:6]}", list(scopes))["key"]


def test_a_post_whose_answer_is_lost_is_retried_and_makes_one_job(api_url, owner):
    transport = LoseFirstAnswer("/api/jobs")
    tag = f"lost-{uuid.uuid4().hex[:8]}"
    with Client(api_url, api_key=_key(owner), http_client=httpx.Client(transport=transport), backoff=0.01) as client:
        job = client.jobs.enqueue("platform.canary", tags=[tag], delay_seconds=3600)
        assert job.duplicate, "the second attempt found the job the first one made"
        posts = [sent for sent in transport.sent if sent[0] == "POST"]
        assert len(posts) == 2 and posts[0][2] and posts[0][2] == posts[1][2], "both attempts carry one key"
        # The workspace is this test's own: its jobs are the ones this test made.
        assert [j.id for j in client.jobs.list() if tag in j.tags] == [job.id]


def test_the_async_client_does_the_same_and_waits_for_jobs(api_url, owner):
    key = _key(owner)

    async def main():
        transport = LoseFirstAnswerAsync("/api/jobs")
        tag = f"async-{uuid.uuid4().hex[:8]}"
        async with AsyncClient(api_url, api_key=key, http_client=httpx.AsyncClient(transport=transport), backoff=0.01) as client:
            first = await client.jobs.enqueue("platform.canary", tags=[tag], delay_seconds=3600)
            assert first.duplicate
            done = await client.jobs.wait((await client.jobs.enqueue("platform.canary", {"sleepMS": 10})).id, timeout=30)
            assert done.state == "completed" and done.trace_id and len(done.trace_id) == 32
            seen = [job.id async for job in client.jobs.list(page_size=2) if tag in job.tags]
            assert seen == [first.id]
            with pytest.raises(voicepartner.NotFound):
                await client.jobs.get(999_999_999_999)

    asyncio.run(main())


def test_throttled_and_failing_reads_are_retried_but_a_plain_post_that_may_have_arrived_is_not(api_url, owner):
    attempts = []

    def flaky(request):
        attempts.append(request.url.path)
        if len(attempts) <= 2:
            return httpx.Response(503 if len(attempts) == 1 else 429, headers={"Retry-After": "0"}, json={
                "error": {"code": "unavailable", "message": "try again"}})
        return httpx.Client().send(request)

    with Client(api_url, api_key=_key(owner), http_client=httpx.Client(transport=httpx.MockTransport(flaky)), backoff=0.01) as client:
        assert isinstance(list(client.jobs.list(page_size=1)), list)
        assert len(attempts) == 3, "a 503 and a 429 are retried after their Retry-After"

    sent = []

    def lost(request):
        sent.append(request.url.path)
        raise httpx.ReadError("connection reset")

    with Client(api_url, access_token=owner.access_token, http_client=httpx.Client(transport=httpx.MockTransport(lost)),
                backoff=0.01) as client:
        with pytest.raises(voicepartner.TransportError):
            client.workspaces.create("may have been made")
        assert sent == ["/api/workspaces"], "a workspace is not created twice on a guess"
        with pytest.raises(voicepartner.TransportError):
            client.workspaces.list()
        assert len(sent) == 1 + 1 + client.settings.max_retries, "a read is retried"


def test_configuration_comes_from_the_environment(api_url, owner, monkeypatch):
    monkeypatch.setenv("VOICEPARTNER_BASE_URL", api_url)
    monkeypatch.setenv("VOICEPARTNER_API_KEY", _key(owner))
    with Client() as client:
        assert client.jobs.enqueue("platform.canary").id > 0
    monkeypatch.delenv("VOICEPARTNER_BASE_URL")
    with pytest.raises(ValueError):
        Client()
