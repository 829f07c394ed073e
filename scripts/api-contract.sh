#!/usr/bin/env bash
# The API's contract checks, run by scripts/test.sh: starts the built API on a free loopback port,
# validates /openapi.json as OpenAPI 3.1 (openapi-spec-validator) and runs schemathesis against
# every operation as a signed-in platform operator, failing on any server error (5xx) or any answer
# that does not follow the document (status, content type, body schema). Fixtures of every kind of
# resource let the checks reach past "not found"; the language model is a closed loopback port, so
# conversation turns fail fast instead of reaching out. Needs what scripts/test.sh prepares.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
: "${VPAI_PYTHON:?run through scripts/test.sh}"
BIN=${VPAI_BIN_DIR:-$(swift build --show-bin-path)}
VENV_BIN=$(dirname "$VPAI_PYTHON")
STATE=${VPAI_STATE_DIR:-$ROOT/.local}
mkdir -p "$STATE"
PORT=$("$VPAI_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
EMAIL="contract-$RANDOM$RANDOM@example.com"

API_PORT=$PORT JWT_SECRET="contract-$(head -c 24 /dev/urandom | base64 -w0)" SECRETS_KEY="contract-$(head -c 24 /dev/urandom | base64 -w0)" \
    PLATFORM_OPERATOR_EMAILS=$EMAIL OPENAI_API_KEY=contract OPENAI_BASE_URL=http://127.0.0.1:9/v1 \
    RATE_LIMIT_AUTH=off RATE_LIMIT_LOGIN=off RATE_LIMIT_READ=off RATE_LIMIT_WRITE=off LOG_LEVEL=error \
    "$BIN/API" > "$STATE/api-contract.log" 2>&1 &
API_PID=$!
trap 'kill $API_PID 2>/dev/null || true; wait $API_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "$BASE/health/live" >/dev/null && break; sleep 0.1; done
curl -sf "$BASE/health/live" >/dev/null || { echo "api-contract: the API did not start" >&2; cat "$STATE/api-contract.log" >&2; exit 1; }

json() { "$VPAI_PYTHON" -c "import sys, json; print(json.load(sys.stdin)$1)"; }
TOKEN=$(curl -sf -X POST "$BASE/auth/register" -H 'Content-Type: application/json' \
    -d "{\"email\": \"$EMAIL\", \"password\": \"contract password 1\"}" | json '["access_token"]')
WORKSPACE=$(curl -sf -X POST "$BASE/api/workspaces" -H 'Content-Type: application/json' -H "Authorization: Bearer $TOKEN" \
    -d '{"name": "contract"}' | json '["id"]')

# Real resources, so the fuzzing reaches past "not found" into each operation's own checks.
post() { curl -sf -X POST "$BASE$1" -H 'Content-Type: application/json' -H "Authorization: Bearer $TOKEN" -H "X-Workspace-ID: $WORKSPACE" -d "$2"; }
export ST_WORKSPACE=$WORKSPACE
export ST_USER=$(curl -sf "$BASE/api/me" -H "Authorization: Bearer $TOKEN" | json '["id"]')
export ST_ASSISTANT=$(post /api/assistants '{"name": "contract", "system_prompt": "You answer the phone."}' | json '["id"]')
export ST_NUMBER=$(post /api/phone-numbers "{\"number\": \"+4930$RANDOM$RANDOM\", \"assistant_id\": \"$ST_ASSISTANT\"}" | json '["id"]')
post "/api/assistants/$ST_ASSISTANT/deploy" '' > /dev/null
export ST_CALL=$(post /api/calls/outbound "{\"assistant_id\": \"$ST_ASSISTANT\", \"to\": \"+4930123456\"}" | json '["call"]["id"]')
export ST_JOB=$(post /api/jobs '{"kind": "platform.canary", "delay_seconds": 86400}' | json '["id"]')
export ST_KEY=$(post "/api/workspaces/$WORKSPACE/api-keys" '{"name": "contract", "scopes": ["jobs:read"]}' | json '["id"]')
export ST_INVITE=$(post "/api/workspaces/$WORKSPACE/members" '{"email": "invitee@example.com"}' | json '["id"]')
export ST_TOOL=$(post /api/tools '{"name": "contract_tool", "url": "https://tools.example.com/orders", "timeout_ms": 1000}' | json '["id"]')
export ST_WEBHOOK=$(post /api/webhooks '{"url": "https://hooks.example.com/contract", "events": ["*"]}' | json '["id"]')
export ST_DELIVERY=$(post "/api/webhooks/$ST_WEBHOOK/ping" '' | json '["delivery_id"]')
export ST_CONVERSATION=$(post "/api/assistants/$ST_ASSISTANT/conversations" '{}' | json '["id"]')
curl -sf -X PUT "$BASE/api/email/templates/news" -H 'Content-Type: application/json' -H "Authorization: Bearer $TOKEN" \
    -H "X-Workspace-ID: $WORKSPACE" -d '{"subject": "News", "text": "{{headline}} {{unsubscribe_url}}", "html": "<p>{{headline}}</p>"}' > /dev/null
export ST_CAMPAIGN=$(post /api/email/campaigns \
    '{"name": "contract", "template": "news", "variables": {"headline": "h"}, "recipients": [{"email": "reader@example.com"}]}' | json '["id"]')
export ST_EXPORT=$(post /api/me/export '' | json '["id"]')
export ST_FILE=$(curl -sf -X POST "$BASE/api/files" -H "Authorization: Bearer $TOKEN" -H "X-Workspace-ID: $WORKSPACE" \
    -F "file=@README.md;type=text/plain" | json '["id"]')
for name in WORKSPACE USER ASSISTANT NUMBER CALL JOB KEY INVITE TOOL WEBHOOK DELIVERY CONVERSATION CAMPAIGN EXPORT FILE; do
    value=ST_$name
    [ -n "${!value}" ] || { echo "api-contract: making the $name the checks use failed" >&2; exit 1; }
done
cat > "$STATE/schemathesis.toml" <<'TOML'
[parameters]
"path.workspace" = "${ST_WORKSPACE}"
"path.user" = "${ST_USER}"
"path.assistant" = "${ST_ASSISTANT}"
"path.number" = "${ST_NUMBER}"
"path.job" = "${ST_JOB}"
"path.key" = "${ST_KEY}"
"path.invite" = "${ST_INVITE}"
"path.call" = "${ST_CALL}"
"path.tool" = "${ST_TOOL}"
"path.webhook" = "${ST_WEBHOOK}"
"path.delivery" = "${ST_DELIVERY}"
"path.conversation" = "${ST_CONVERSATION}"
"path.campaign" = "${ST_CAMPAIGN}"
"path.export" = "${ST_EXPORT}"
"path.file" = "${ST_FILE}"
"path.template" = "welcome"
"path.version" = "1"
"path.queue" = "default"
TOML

curl -sf "$BASE/openapi.json" > "$STATE/openapi.json"
"$VENV_BIN/openapi-spec-validator" "$STATE/openapi.json"

# From the state folder: schemathesis keeps its example cache in the working directory.
cd "$STATE"
"$VENV_BIN/schemathesis" --config-file "$STATE/schemathesis.toml" run "$BASE/openapi.json" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --header "Authorization: Bearer $TOKEN" --header "X-Workspace-ID: $WORKSPACE" \
    --max-examples "${SCHEMATHESIS_EXAMPLES:-15}" --seed "${SCHEMATHESIS_SEED:-$RANDOM}" --request-timeout 10
