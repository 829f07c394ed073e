-- Usage reports already sent: one per workspace, period length and period end, recorded with its
-- emails in one transaction so a retried report job mails nobody twice.
CREATE TABLE usage_reports (
    workspace_id uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    period_days  integer     NOT NULL,
    period_end   timestamptz NOT NULL,
    summary      jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, period_days, period_end)
);
