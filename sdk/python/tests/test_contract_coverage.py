"""The SDK against the API's own OpenAPI document: every operation the document describes is a
method of the SDK, or is named below with the reason callers have no use for it; a route added to
the API without either fails here."""
import json
import re
import subprocess
import sys
import urllib.request
from datetime import datetime
from pathlib import Path

import voicepartner

#: Operations no API caller makes: Twilio's callbacks, recipients' browser links, probes and scrapes, the documents themselves.
NOT_FOR_CALLERS = {
    ("POST", "/webhooks/twilio/voice"), ("POST", "/webhooks/twilio/status"), ("POST", "/webhooks/twilio/turn"),
    ("POST", "/webhooks/twilio/recording"),
    ("GET", "/unsubscribe"), ("POST", "/unsubscribe"),
    ("GET", "/metrics"), ("GET", "/health/metrics"),
    ("GET", "/docs"), ("GET", "/openapi.json"),
}


def _template(path):
    return re.sub(r"\{[^}]+\}", "{}", path)


def sdk_operations():
    """(method, path template) of every call the SDK's groups make, read from its source."""
    source = Path(voicepartner.__file__).with_name("client.py").read_text()
    found = {(method, _template(path)) for method, path in re.findall(r'_do\("([A-Z]+)", f?"([^"]+)"', source)}
    found |= {("GET", _template(path)) for path in re.findall(r'paginate\(f?"([^"]+)"', source)}
    found |= {(method, path) for method, path in re.findall(r'Call\("([A-Z]+)", "([^"]+)"', source)}
    return found


def test_every_documented_operation_is_in_the_sdk(api_url):
    with urllib.request.urlopen(f"{api_url}/openapi.json", timeout=10) as answer:
        document = json.load(answer)
    documented = {(method.upper(), _template(path)) for path, operations in document["paths"].items()
                  for method in operations if method in ("get", "post", "put", "patch", "delete")}
    covered = sdk_operations()
    missing = sorted(documented - covered - NOT_FOR_CALLERS)
    assert not missing, f"operations of the API that the SDK lacks: {missing}"
    unknown = sorted(covered - documented)
    assert not unknown, f"SDK calls the API does not document: {unknown}"
    assert len(documented) > 100, "the document is the API's, whole"


def test_the_new_groups_answer_against_the_live_api(api_url, owner):
    assert owner.webhooks.events() and "call.completed" in owner.webhooks.events()
    assert owner.health.check() is not None
    assert isinstance(owner.jobs.activity(), voicepartner.JobActivity)
    assert owner.credits.account()["balance"] is not None
    assert isinstance(owner.workspaces.api_keys(owner.workspace_id), list)
    assert isinstance(list(owner.workspaces.audit(owner.workspace_id, page_size=5)), list)


def test_the_models_are_what_the_live_document_gives(api_url):
    """Every field of every answer is in the SDK: the generated models match the API's own document."""
    generator = Path(__file__).resolve().parents[3] / "scripts" / "generate-python-models.py"
    result = subprocess.run([sys.executable, str(generator), "--check", f"{api_url}/openapi.json"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_answer_with_a_documented_model_is_read_as_it(owner):
    job = owner.jobs.enqueue("platform.canary", {"note": "typed"})
    fetched = owner.jobs.get(job.id)
    assert isinstance(fetched, voicepartner.Job) and isinstance(fetched.created_at, datetime)
    assert fetched["kind"] == fetched.kind == "platform.canary"
    account = owner.credits.account()
    assert isinstance(account, voicepartner.CreditAccount) and isinstance(account.warning_thresholds, list)
    me = owner.auth.me()
    assert isinstance(me, voicepartner.User) and "@" in me.email
