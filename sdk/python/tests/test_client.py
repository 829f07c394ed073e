"""The SDK against the live API and a worker: every call goes over HTTP to the real platform."""
import time
import uuid

import pytest

import voicepartner
from voicepartner import Client


def test_sign_in_refresh_and_reuse_detection(api_url, owner):
    me = owner.auth.me()
    assert me["email"] == owner.email
    first_refresh = owner.refresh_token
    owner.auth.refresh()
    assert owner.refresh_token != first_refresh
    # Presenting the spent refresh token again revokes the whole chain.
    stale = Client(api_url, refresh_token=first_refresh)
    with pytest.raises(voicepartner.AuthenticationError) as reused:
        stale.auth.refresh()
    assert reused.value.code == "refresh_token_reused"
    with pytest.raises(voicepartner.AuthenticationError):
        owner.auth.refresh()
    again = Client(api_url)
    again.auth.login(owner.email, "a long sdk test password")
    assert again.auth.me()["email"] == owner.email
    with pytest.raises(voicepartner.AuthenticationError) as wrong:
        Client(api_url).auth.login(owner.email, "not the password at all")
    assert wrong.value.code == "invalid_credentials"


def test_jobs_enqueue_wait_cancel_retry_and_paginate(api_url, owner):
    key = owner.workspaces.create_api_key(owner.workspace_id, "sdk jobs", ["jobs:write"])["key"]
    jobs = Client(api_url, api_key=key).jobs
    done = jobs.wait(jobs.enqueue("platform.canary", {"sleepMS": 20}).id, timeout=30)
    assert done.state == "completed"
    assert done.result == {"attempt": 1}

    # Delayed, so the job is still waiting when the repeat arrives (a unique key binds only unfinished jobs).
    first = jobs.enqueue("platform.canary", idempotency_key="order-1", delay_seconds=3600)
    repeat = jobs.enqueue("platform.canary", idempotency_key="order-1", delay_seconds=3600)
    assert repeat.id == first.id and repeat.duplicate

    failing = jobs.enqueue("platform.canary", {"failAttempts": 5}, max_attempts=1)
    with pytest.raises(voicepartner.JobFailed) as failed:
        jobs.wait(failing.id, timeout=30)
    assert failed.value.job.state == "discarded"
    assert "canary failed attempt 1" in failed.value.job.errors[-1]["error"]
    jobs.retry(failing.id)
    with pytest.raises(voicepartner.JobFailed) as again:
        jobs.wait(failing.id, timeout=30)
    assert len(again.value.job.errors) == 2, "the retry ran and failed once more"

    later = jobs.enqueue("platform.canary", delay_seconds=3600)
    assert jobs.cancel(later.id).state == "cancelled"
    with pytest.raises(voicepartner.JobFailed):
        jobs.wait(later.id, timeout=5)

    for _ in range(5):
        jobs.enqueue("platform.canary", tags=["paged"], delay_seconds=3600)
    listed = list(jobs.list(page_size=2, kind="platform.canary", state="available"))
    assert len(listed) >= 5
    assert len({job.id for job in listed}) == len(listed)

    with pytest.raises(voicepartner.NotFound):
        jobs.get(999_999_999)
    with pytest.raises(voicepartner.ValidationError) as unknown:
        jobs.enqueue("no.such.kind")
    assert unknown.value.code == "unknown_kind"
    reader = Client(api_url, api_key=owner.workspaces.create_api_key(owner.workspace_id, "sdk read", ["jobs:read"])["key"])
    with pytest.raises(voicepartner.PermissionDenied):
        reader.jobs.enqueue("platform.canary")
    with pytest.raises(voicepartner.WaitTimeout):
        jobs.wait(jobs.enqueue("platform.canary", delay_seconds=3600).id, timeout=0.3)


def test_assistants_files_and_analytics(owner):
    assistant = owner.assistants.create("Reception", system_prompt="Greet callers.", language="de-DE")
    assert owner.assistants.update(assistant.id, temperature=0.3).raw["temperature"] == 0.3
    assert owner.assistants.update(assistant.id, transfer_number="+4930111222").raw["transfer_number"] == "+4930111222"
    assert owner.assistants.tools(assistant.id) == []
    with pytest.raises(voicepartner.ValidationError) as foreign:
        owner.assistants.set_tools(assistant.id, ["00000000-0000-4000-8000-000000000000"])
    assert foreign.value.field == "tool_ids"
    assert owner.assistants.deploy(assistant.id).status == "deployed"
    assert assistant.id in [item.id for item in owner.assistants.list(page_size=1)]
    with pytest.raises(voicepartner.ValidationError) as invalid:
        owner.assistants.update(assistant.id, temperature=7)
    assert invalid.value.field == "temperature"

    uploaded = owner.files.upload(b"Opening hours: 9 to 5.", name="hours.txt", assistant_id=assistant.id)
    assert uploaded.status == "uploaded"
    deadline = time.monotonic() + 30
    while owner.files.get(uploaded.id).status == "uploaded" and time.monotonic() < deadline:
        time.sleep(0.1)
    ready = owner.files.get(uploaded.id)
    assert ready.status == "ready" and "Opening hours" in ready.text
    assert [item.id for item in owner.files.list(assistant_id=assistant.id)] == [uploaded.id]
    assert [item["id"] for item in owner.assistants.files(assistant.id)] == [uploaded.id]
    assert owner.assistants.set_files(assistant.id, []) == []
    assert [item["version"] for item in owner.assistants.versions(assistant.id)] == [1]
    assert owner.assistants.rollback(assistant.id, 1).version == 2

    summary = owner.analytics.summary(period="7d")
    assert summary["period"]["interval"] == "day"
    assert owner.analytics.realtime()["live_calls"] == 0
    with pytest.raises(voicepartner.ValidationError) as period:
        owner.analytics.billing(period="2d")
    assert period.value.field == "period"


def test_phone_numbers_bind_unbind_and_purchase_needs_twilio(owner):
    assistant = owner.assistants.create("Switchboard", system_prompt="Route callers.")
    number = "+1" + str(uuid.uuid4().int % 8_000_000_000 + 2_000_000_000)
    added = owner.phone_numbers.add(number, label="Front desk", assistant_id=assistant.id)
    assert added.number == number and added.assistant_id == assistant.id and added.label == "Front desk"
    assert number in [item.number for item in owner.phone_numbers.list()]
    assert owner.phone_numbers.update(added.id, label="Reception").label == "Reception"
    assert owner.phone_numbers.update(added.id, assistant_id=None).assistant_id is None
    assert owner.phone_numbers.get(added.id).label == "Reception"
    with pytest.raises(voicepartner.ValidationError) as invalid:
        owner.phone_numbers.add("0301234567")
    assert invalid.value.field == "number"
    # This deployment has no Twilio account: buying is refused with a clear error, nothing is charged.
    with pytest.raises(voicepartner.Conflict) as refused:
        owner.phone_numbers.purchase("+15550000001")
    assert "Twilio" in refused.value.message
    owner.phone_numbers.delete(added.id)
    with pytest.raises(voicepartner.NotFound):
        owner.phone_numbers.get(added.id)


def test_webhook_deliveries_verify_with_the_helper(owner, receiver):
    endpoint = owner.webhooks.create(receiver.url + "/hooks", ["file.processed"])
    assert endpoint.secret.startswith("whsec_")
    assert owner.webhooks.get(endpoint.id).secret is None
    owner.webhooks.ping(endpoint.id)
    deadline = time.monotonic() + 30
    while not receiver.requests and time.monotonic() < deadline:
        time.sleep(0.05)
    assert receiver.requests, "the worker delivered the ping"
    delivery = receiver.requests[0]
    signature = delivery["headers"]["x-vpai-signature"]
    assert voicepartner.verify_signature(signature, delivery["body"], endpoint.secret)
    assert not voicepartner.verify_signature(signature, delivery["body"] + b" ", endpoint.secret)
    assert not voicepartner.verify_signature(signature, delivery["body"], endpoint.secret, now=time.time() + 3600)
    assert voicepartner.sign(b"{}", "whsec_x", 1) == voicepartner.sign("{}", "whsec_x", 1)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        logged = list(owner.webhooks.deliveries(endpoint.id))
        if logged and logged[0].state == "delivered":
            break
        time.sleep(0.05)
    assert logged[0].event_type == "ping" and logged[0].attempts == 1
    assert owner.webhooks.redeliver(endpoint.id, logged[0].id)["delivery_id"] != logged[0].id
    with pytest.raises(voicepartner.ValidationError):
        owner.webhooks.create("ftp://example.com/hook", ["*"])


def test_tools_test_and_invoke_through_a_job(owner, receiver):
    tool = owner.tools.create("lookup", receiver.url + "/echo/{item}", method="GET", parameters={
        "type": "object", "required": ["item"], "properties": {"item": {"type": "string", "maxLength": 10}}})
    tested = owner.tools.test(tool.id, {"item": "abc"})
    assert tested["ok"] and tested["response"]["path"] == "/echo/abc"
    with pytest.raises(voicepartner.ValidationError) as invalid:
        owner.tools.test(tool.id, {"item": "x" * 11})
    assert invalid.value.details["path"] == "/item"
    job = owner.jobs.wait(owner.tools.invoke(tool.id, {"item": "def"}).id, timeout=30)
    assert job.result["response"]["path"] == "/echo/def"
    assert owner.tools.usage(tool.id, period="24h")["calls"] == 2
