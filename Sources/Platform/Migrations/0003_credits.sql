-- Credits: an append-only ledger per workspace and a running balance kept beside it. Amounts are
-- whole millicredits (1 credit = 1000), so sums are exact. A debit and its ledger row commit
-- together; the balance row is the lock that keeps concurrent debits from overdrawing.
CREATE TABLE credit_ledger (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    kind         text        NOT NULL CHECK (kind IN ('grant', 'usage', 'refund', 'adjustment')),
    amount       bigint      NOT NULL,
    balance_after bigint     NOT NULL,
    -- What the entry is for (a call, a transcription, a purchase): one entry per reference, so a
    -- retried job cannot charge twice.
    reference    text,
    description  text        NOT NULL DEFAULT '',
    actor_user_id uuid,
    created_at   timestamptz NOT NULL DEFAULT now()
);
-- A workspace's ledger, newest first.
CREATE INDEX credit_ledger_workspace ON credit_ledger (workspace_id, id DESC);
-- Idempotent charges and grants.
CREATE UNIQUE INDEX credit_ledger_reference ON credit_ledger (workspace_id, reference) WHERE reference IS NOT NULL;

CREATE TABLE workspace_credits (
    workspace_id       uuid PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    balance            bigint      NOT NULL DEFAULT 0,
    -- The balance right after the latest grant: warning thresholds are percentages of it.
    allowance          bigint      NOT NULL DEFAULT 0,
    warning_thresholds integer[]   NOT NULL DEFAULT '{20,5,0}',
    updated_at         timestamptz NOT NULL DEFAULT now()
);
