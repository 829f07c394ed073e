-- The Twilio stream SID of the one media stream a streamed call's conversation runs over: the first
-- stream to attach claims it, so a replayed upgrade (same signature and token) cannot attach a second.
ALTER TABLE conversations ADD COLUMN media_stream_sid text;
