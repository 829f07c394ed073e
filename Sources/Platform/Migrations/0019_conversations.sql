-- Conversations: the tools an assistant may call, and every turn of every conversation it holds.

-- The workspace's tools an assistant offers to its model (both in one workspace, checked by the API).
CREATE TABLE assistant_tools (
    assistant_id uuid        NOT NULL REFERENCES assistants (id) ON DELETE CASCADE,
    tool_id      uuid        NOT NULL REFERENCES tools (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (assistant_id, tool_id)
);
CREATE INDEX assistant_tools_tool ON assistant_tools (tool_id);

-- One conversation per call (or a test conversation without telephony).
CREATE TABLE conversations (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id   uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    assistant_id   uuid        REFERENCES assistants (id) ON DELETE SET NULL,
    call_id        uuid        UNIQUE REFERENCES calls (id) ON DELETE CASCADE,
    kind           text        NOT NULL CHECK (kind IN ('call', 'test')),
    -- What the assistant said first (the greeting), the start of the model's history.
    greeting       text        NOT NULL DEFAULT '',
    status         text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended')),
    end_reason     text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    ended_at       timestamptz,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversations_workspace ON conversations (workspace_id, created_at DESC);

-- One turn: what the caller said and what the assistant answered, with the tool calls, tokens and
-- timings in between. A turn is claimed (`pending`) before its model runs, so a transport's retry of
-- the same request (its `request_key`) finds it instead of asking the model again.
CREATE TABLE conversation_turns (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id   uuid        NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    workspace_id      uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    sequence          integer     NOT NULL,
    request_key       text        NOT NULL,
    caller_text       text,
    caller_confidence double precision,
    assistant_text    text        NOT NULL DEFAULT '',
    -- [{"name", "arguments", "outcome", "latency_ms", "result"}] in the order the model asked.
    tool_calls        jsonb       NOT NULL DEFAULT '[]',
    -- What the call does after the reply: go on, hang up, or transfer to `transfer_to`.
    action            text        NOT NULL DEFAULT 'continue' CHECK (action IN ('continue', 'end_call', 'transfer_call')),
    transfer_to       text,
    llm_provider      text,
    model             text,
    model_rounds      integer     NOT NULL DEFAULT 0,
    input_tokens      integer     NOT NULL DEFAULT 0,
    output_tokens     integer     NOT NULL DEFAULT 0,
    first_token_ms    integer,
    latency_ms        integer,
    -- pending (claimed, running) → ok | failed (the fallback line was said; `failure_reason` says why) | no_input.
    outcome           text        NOT NULL DEFAULT 'pending' CHECK (outcome IN ('pending', 'ok', 'failed', 'no_input')),
    failure_reason    text,
    -- Millicredits charged for the turn's tokens (one ledger entry, reference 'turn:<id>').
    cost              bigint      NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now(),
    completed_at      timestamptz,
    UNIQUE (conversation_id, request_key)
);
CREATE INDEX conversation_turns_conversation ON conversation_turns (conversation_id, sequence);
CREATE INDEX conversation_turns_workspace ON conversation_turns (workspace_id, created_at);

-- Where an assistant's `transfer_call` tool sends the caller (E.164); no number, no tool.
ALTER TABLE assistants ADD COLUMN transfer_number text;
