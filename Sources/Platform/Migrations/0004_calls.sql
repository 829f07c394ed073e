-- Phone calls of a workspace. An outbound call row is created with its dial job in one transaction;
-- the job dials through the provider and the provider's status callbacks move it to its end.
CREATE TABLE calls (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id       uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    assistant_id       uuid        REFERENCES assistants (id) ON DELETE SET NULL,
    direction          text        NOT NULL CHECK (direction IN ('outbound', 'inbound')),
    to_number          text        NOT NULL,
    from_number        text        NOT NULL,
    -- pending (row made, not dialled) → dialing (request sent) → queued/ringing/in-progress (provider)
    -- → completed/busy/no-answer/failed/canceled; 'rejected' when the call was never placed.
    status             text        NOT NULL DEFAULT 'pending',
    -- Why the call was not placed or failed: a credit shortfall, the provider's error code and message.
    status_reason      text,
    provider           text        NOT NULL DEFAULT 'twilio',
    provider_call_sid  text        UNIQUE,
    provider_error_code integer,
    -- Set when a dial request went out; a retry that finds it set and no SID asks the provider first.
    dial_started_at    timestamptz,
    job_id             bigint,
    record             boolean     NOT NULL DEFAULT false,
    recording_url      text,
    recording_sid      text,
    duration_seconds   integer,
    -- Millicredits charged for the call (one ledger entry, reference 'call:<id>').
    cost               bigint,
    -- The highest callback sequence number applied, so a late or repeated callback changes nothing.
    last_callback_sequence integer NOT NULL DEFAULT -1,
    metadata           jsonb       NOT NULL DEFAULT '{}',
    created_by         uuid,
    created_at         timestamptz NOT NULL DEFAULT now(),
    answered_at        timestamptz,
    ended_at           timestamptz,
    updated_at         timestamptz NOT NULL DEFAULT now()
);
-- Call history of a workspace, newest first (the list and its cursor).
CREATE INDEX calls_workspace ON calls (workspace_id, created_at DESC, id DESC);
-- Live calls per workspace (the concurrency limit counts them).
CREATE INDEX calls_live ON calls (workspace_id)
    WHERE status IN ('dialing', 'queued', 'initiated', 'ringing', 'in-progress');

-- Dial pacing per provider account: each dial takes the next free slot, so all workers together stay
-- under the provider's calls-per-second limit.
CREATE TABLE call_dial_pacing (
    account   text PRIMARY KEY,
    next_slot timestamptz NOT NULL DEFAULT now()
);
