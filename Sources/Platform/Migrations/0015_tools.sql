-- Custom tools: HTTP endpoints a workspace's assistants may call (function calling). Secrets of a
-- tool's auth (API key, bearer token, password, OAuth client secret) are sealed with SECRETS_KEY;
-- `auth_settings` holds only what is not secret (header name, user name, token URL, client id, scope).
CREATE TABLE tools (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id       uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name               text        NOT NULL,
    description        text        NOT NULL DEFAULT '',
    category           text        NOT NULL CHECK (category IN ('api', 'webhook', 'database', 'service')),
    method             text        NOT NULL CHECK (method IN ('GET', 'POST', 'PUT', 'PATCH', 'DELETE')),
    url                text        NOT NULL,
    parameters         jsonb       NOT NULL DEFAULT '{"type": "object"}',
    auth_type          text        NOT NULL DEFAULT 'none' CHECK (auth_type IN ('none', 'api_key', 'bearer', 'basic', 'oauth2')),
    auth_settings      jsonb       NOT NULL DEFAULT '{}',
    auth_secret_sealed text,
    timeout_ms         integer     NOT NULL DEFAULT 10000 CHECK (timeout_ms BETWEEN 100 AND 60000),
    -- Paths into a JSON answer that are returned to the assistant (all of it when empty).
    response_fields    text[]      NOT NULL DEFAULT '{}',
    response_max_bytes integer     NOT NULL DEFAULT 16384 CHECK (response_max_bytes BETWEEN 256 AND 1048576),
    enabled            boolean     NOT NULL DEFAULT true,
    created_by         uuid,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, name)
);
CREATE INDEX tools_workspace ON tools (workspace_id, created_at DESC, id DESC);

-- One row per invocation (job or test), for usage analytics.
CREATE TABLE tool_calls (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tool_id        uuid        NOT NULL REFERENCES tools (id) ON DELETE CASCADE,
    workspace_id   uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    job_id         bigint,
    source         text        NOT NULL CHECK (source IN ('job', 'test')),
    -- ok (2xx), http_error (another status), invalid_arguments, refused (the URL policy),
    -- timeout, network_error, auth_error (the OAuth token could not be had).
    outcome        text        NOT NULL,
    status_code    integer,
    latency_ms     integer,
    response_bytes integer,
    error          text,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tool_calls_tool ON tool_calls (tool_id, created_at);
