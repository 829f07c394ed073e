-- Analytics read a workspace's ledger by time (billing over a period, its opening balance).
CREATE INDEX credit_ledger_workspace_time ON credit_ledger (workspace_id, created_at);
