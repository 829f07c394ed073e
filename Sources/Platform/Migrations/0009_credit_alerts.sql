-- Credit warnings already sent, so each crossing is mailed once however often the check runs:
-- a threshold under one allowance (keyed by the grant that set it; a new grant rearms them all),
-- or an hour of unusual spend (keyed by the hour).
CREATE TABLE credit_alerts (
    workspace_id uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    kind         text        NOT NULL CHECK (kind IN ('threshold', 'usage')),
    -- threshold: the id of the grant's ledger entry; usage: hours since the Unix epoch.
    epoch        bigint      NOT NULL,
    -- threshold: the percentage crossed; usage: 0.
    level        integer     NOT NULL,
    balance      bigint      NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, kind, epoch, level)
);

-- Spend per workspace over recent hours (the usage alert's window and baseline).
CREATE INDEX credit_ledger_usage_time ON credit_ledger (created_at) WHERE kind = 'usage';
