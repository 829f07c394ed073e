-- A call's assistant turns are charged together once, when the call ends: one ledger entry per call
-- (reference conversation:<id>) instead of one per turn, so the turns of a workspace's concurrent
-- calls do not queue on its balance row. Text conversations stay charged per turn.
ALTER TABLE conversations ADD COLUMN charged_at timestamptz;
ALTER TABLE conversations ADD COLUMN charged_amount bigint;

-- Conversations from before this were charged turn by turn: their later turns keep being charged so.
UPDATE conversations SET charged_at = now(), charged_amount = 0 WHERE call_id IS NOT NULL;

-- The sweep for calls whose end was never reported.
CREATE INDEX conversations_uncharged_calls ON conversations (created_at) WHERE call_id IS NOT NULL AND charged_at IS NULL;
