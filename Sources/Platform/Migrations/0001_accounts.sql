-- Accounts and access: users, workspaces with roles, refresh-token chains, API keys and the audit
-- log. No secret is stored in the clear: passwords are bcrypt hashes, refresh tokens and API keys
-- are SHA-256 digests of high-entropy random values (a key's short prefix stays visible).
CREATE TABLE users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email         text        NOT NULL,
    first_name    text        NOT NULL DEFAULT '',
    last_name     text        NOT NULL DEFAULT '',
    password_hash text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
-- Login looks users up by their address, case-insensitively.
CREATE UNIQUE INDEX users_email ON users (lower(email));

CREATE TABLE workspaces (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text        NOT NULL,
    description text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TYPE workspace_role AS ENUM ('owner', 'admin', 'member', 'viewer');

CREATE TABLE workspace_members (
    workspace_id uuid           NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id      uuid           NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role         workspace_role NOT NULL,
    created_at   timestamptz    NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, user_id)
);
-- "Which workspaces is this user in" (the workspace list, every access check by user).
CREATE INDEX workspace_members_user ON workspace_members (user_id);

-- One row per refresh token ever issued. A refresh marks its token used and issues the next one in
-- the same family; presenting a used token again revokes the whole family (reuse detection).
CREATE TABLE refresh_tokens (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    family_id   uuid        NOT NULL,
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  bytea       NOT NULL UNIQUE,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
-- Revoking a family; pruning expired tokens.
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_at);

CREATE TABLE api_keys (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         text        NOT NULL,
    prefix       text        NOT NULL,
    key_hash     bytea       NOT NULL UNIQUE,
    scopes       text[]      NOT NULL,
    created_by   uuid        REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
-- A workspace's key list.
CREATE INDEX api_keys_workspace ON api_keys (workspace_id, created_at);

-- Who changed what, when and from where. Rows outlive the users and keys they name (no foreign keys
-- to them), so the history stays complete.
CREATE TABLE audit_log (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id  uuid,
    actor_user_id uuid,
    actor_key_id  uuid,
    action        text        NOT NULL,
    resource_type text        NOT NULL,
    resource_id   text,
    ip            text,
    details       jsonb       NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now()
);
-- A workspace's audit trail, newest first.
CREATE INDEX audit_log_workspace ON audit_log (workspace_id, id DESC);

-- An invitation to join a workspace, sent by email; accepted by the signed-in user with that address.
CREATE TABLE workspace_invites (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid           NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    email        text           NOT NULL,
    role         workspace_role NOT NULL,
    token_hash   bytea          NOT NULL UNIQUE,
    invited_by   uuid           REFERENCES users (id) ON DELETE SET NULL,
    expires_at   timestamptz    NOT NULL,
    accepted_at  timestamptz,
    created_at   timestamptz    NOT NULL DEFAULT now()
);
-- A workspace's pending invites.
CREATE INDEX workspace_invites_workspace ON workspace_invites (workspace_id, created_at);
