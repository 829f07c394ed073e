-- Personal-data requests: exports (a ZIP in storage, downloadable by the same user until it
-- expires) and deletions (due after a grace period, run in resumable batches, with a receipt of
-- per-table counts). `user_id` has no foreign key: the row outlives the user it deleted.
CREATE TABLE gdpr_requests (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id          uuid        NOT NULL,
    kind             text        NOT NULL CHECK (kind IN ('export', 'deletion')),
    state            text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
    -- deletion: what happens to workspaces the user is the only Owner of ('transfer' or 'delete').
    workspace_policy text,
    due_at           timestamptz NOT NULL DEFAULT now(),
    storage_key      text,
    size_bytes       bigint,
    expires_at       timestamptz,
    receipt          jsonb,
    error            text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    completed_at     timestamptz
);
-- A user's requests; due deletions for the scheduler's sweep.
CREATE INDEX gdpr_requests_user ON gdpr_requests (user_id, created_at DESC);
CREATE INDEX gdpr_requests_due ON gdpr_requests (due_at) WHERE kind = 'deletion' AND state = 'pending';
