-- A call's transcript, written by the calls.transcribe job from the call's recording.
ALTER TABLE calls
    ADD COLUMN transcript_text       text,
    ADD COLUMN transcript_language   text,
    -- [{"start": seconds, "end": seconds, "text": "..."}] as the transcription endpoint returned them.
    ADD COLUMN transcript_segments   jsonb,
    -- Seconds of audio transcribed (what the transcription is charged by).
    ADD COLUMN transcript_seconds    double precision,
    ADD COLUMN transcribed_at        timestamptz;
