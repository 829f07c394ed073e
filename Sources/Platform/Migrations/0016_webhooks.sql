-- Outbound webhooks: endpoints a workspace registers for events, one delivery per event and
-- endpoint (each a webhooks.deliver job), and one row per attempt with what the endpoint answered.
CREATE TABLE webhook_endpoints (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id         uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    url                  text        NOT NULL,
    description          text        NOT NULL DEFAULT '',
    -- Event types, or '*' for all.
    events               text[]      NOT NULL,
    -- The signing secret, sealed with SECRETS_KEY (shown to the user once).
    secret_sealed        text        NOT NULL,
    enabled              boolean     NOT NULL DEFAULT true,
    -- Failed attempts since the last success; at WEBHOOK_DISABLE_AFTER the endpoint is disabled.
    consecutive_failures integer     NOT NULL DEFAULT 0,
    disabled_at          timestamptz,
    disabled_reason      text,
    created_by           uuid,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_workspace ON webhook_endpoints (workspace_id, created_at DESC, id DESC);

CREATE TABLE webhook_deliveries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint_id     uuid        NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    workspace_id    uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    event_id        uuid        NOT NULL,
    event_type      text        NOT NULL,
    -- The event as sent: {"id", "type", "created_at", "workspace_id", "data"}.
    payload         jsonb       NOT NULL,
    -- pending → delivered, or failed (the retries ran out, or the endpoint was disabled or removed).
    state           text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    last_status     integer,
    last_error      text,
    delivered_at    timestamptz,
    -- A manual redelivery names the delivery it repeats.
    redelivery_of   bigint,
    job_id          bigint,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id DESC);

CREATE TABLE webhook_attempts (
    delivery_id      bigint      NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt          integer     NOT NULL,
    status_code      integer,
    error            text,
    latency_ms       integer,
    -- The start of the endpoint's answer, for the delivery log.
    response_excerpt text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (delivery_id, attempt)
);
