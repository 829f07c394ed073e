-- Uploaded files (knowledge for assistants) and the text extracted from them.
CREATE TABLE files (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id   uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    assistant_id   uuid        REFERENCES assistants (id) ON DELETE SET NULL,
    name           text        NOT NULL,
    content_type   text        NOT NULL,
    format         text        NOT NULL,
    size_bytes     bigint      NOT NULL,
    sha256         text        NOT NULL,
    -- Where the bytes are in the storage (local folder or S3 bucket).
    storage_key    text        NOT NULL,
    -- uploaded → ready | failed (the extraction's final reason in status_reason).
    status         text        NOT NULL DEFAULT 'uploaded' CHECK (status IN ('uploaded', 'ready', 'failed')),
    status_reason  text,
    text           text,
    pages          integer,
    characters     integer,
    truncated      boolean     NOT NULL DEFAULT false,
    job_id         bigint,
    created_by     uuid,
    created_at     timestamptz NOT NULL DEFAULT now(),
    processed_at   timestamptz,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
-- A workspace's files, newest first (the list and its cursor); an assistant's files.
CREATE INDEX files_workspace ON files (workspace_id, created_at DESC, id DESC);
CREATE INDEX files_assistant ON files (assistant_id) WHERE assistant_id IS NOT NULL;
