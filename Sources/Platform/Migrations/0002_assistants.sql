-- AI assistants and the phone numbers that reach them, both owned by a workspace.
CREATE TABLE assistants (
    id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id             uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name                     text        NOT NULL,
    description              text        NOT NULL DEFAULT '',
    llm_provider             text        NOT NULL,
    llm_model                text        NOT NULL,
    system_prompt            text        NOT NULL DEFAULT '',
    first_message            text        NOT NULL DEFAULT '',
    temperature              double precision NOT NULL,
    max_tokens               integer     NOT NULL,
    language                 text        NOT NULL,
    voice_provider           text        NOT NULL,
    voice_id                 text        NOT NULL,
    interruption_sensitivity double precision NOT NULL,
    silence_timeout_ms       integer     NOT NULL,
    response_delay_ms        integer     NOT NULL,
    record_calls             boolean     NOT NULL DEFAULT false,
    status                   text        NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'deployed')),
    version                  integer     NOT NULL DEFAULT 0,
    deployed_at              timestamptz,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now()
);
-- A workspace's assistants, newest first (the list and its cursor).
CREATE INDEX assistants_workspace ON assistants (workspace_id, created_at DESC, id DESC);

CREATE TABLE phone_numbers (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    -- E.164; a number belongs to one workspace at a time.
    number       text        NOT NULL UNIQUE,
    label        text        NOT NULL DEFAULT '',
    provider     text        NOT NULL DEFAULT 'twilio',
    provider_sid text,
    assistant_id uuid        REFERENCES assistants (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
-- A workspace's numbers; the numbers bound to an assistant (inbound routing, deletes).
CREATE INDEX phone_numbers_workspace ON phone_numbers (workspace_id, created_at);
CREATE INDEX phone_numbers_assistant ON phone_numbers (assistant_id) WHERE assistant_id IS NOT NULL;
