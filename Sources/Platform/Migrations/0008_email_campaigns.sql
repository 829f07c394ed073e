-- Bulk email campaigns: one row per campaign, one per recipient with its own state, so a retried
-- chunk skips everyone already handled and progress is a count away.
CREATE TABLE email_campaigns (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         text        NOT NULL,
    template     text        NOT NULL,
    variables    jsonb       NOT NULL DEFAULT '{}',
    state        text        NOT NULL DEFAULT 'sending' CHECK (state IN ('sending', 'completed', 'cancelled')),
    total        integer     NOT NULL,
    chunks       integer     NOT NULL,
    created_by   uuid        REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz
);
-- A workspace's campaigns, newest first.
CREATE INDEX email_campaigns_workspace ON email_campaigns (workspace_id, created_at DESC);

CREATE TABLE email_campaign_recipients (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id uuid        NOT NULL REFERENCES email_campaigns (id) ON DELETE CASCADE,
    chunk       integer     NOT NULL,
    address     text        NOT NULL,
    name        text,
    variables   jsonb       NOT NULL DEFAULT '{}',
    state       text        NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed', 'bounced', 'skipped', 'cancelled')),
    provider    text,
    error       text,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (campaign_id, address)
);
-- A chunk's recipients still to send (the chunk job's read) and the progress counts.
CREATE INDEX email_campaign_recipients_chunk ON email_campaign_recipients (campaign_id, chunk) WHERE state = 'queued';
CREATE INDEX email_campaign_recipients_state ON email_campaign_recipients (campaign_id, state);
