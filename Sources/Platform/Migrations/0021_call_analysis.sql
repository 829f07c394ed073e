-- What the calls.analyze job made of a call's conversation, once the call ended.
ALTER TABLE conversations
    ADD COLUMN summary     text,
    ADD COLUMN outcome     text,
    ADD COLUMN sentiment   text CHECK (sentiment IN ('positive', 'neutral', 'negative')),
    ADD COLUMN follow_up   text,
    ADD COLUMN analysis_tokens integer,
    ADD COLUMN analyzed_at timestamptz;
