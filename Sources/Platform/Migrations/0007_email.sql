-- Email: addresses never to mail again, per-workspace unsubscribes, workspaces' own versions of the
-- built-in templates, and password-reset requests (only the token's digest is kept).
CREATE TABLE email_suppressions (
    -- Lower-cased; one row per address, whichever provider refused it first.
    address    text PRIMARY KEY,
    reason     text        NOT NULL,
    provider   text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE email_unsubscribes (
    workspace_id uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    address      text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, address)
);

CREATE TABLE email_templates (
    workspace_id uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         text        NOT NULL,
    subject      text        NOT NULL,
    text_body    text        NOT NULL,
    html_body    text        NOT NULL,
    updated_by   uuid        REFERENCES users (id) ON DELETE SET NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, name)
);

CREATE TABLE password_resets (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   bytea       NOT NULL UNIQUE,
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    requested_ip text,
    created_at   timestamptz NOT NULL DEFAULT now()
);
-- Invalidating a user's open requests when one is used; pruning expired ones.
CREATE INDEX password_resets_user ON password_resets (user_id);
CREATE INDEX password_resets_expires ON password_resets (expires_at);
