-- The stages of a streamed turn, in milliseconds: speech to text of the caller's utterance, the
-- voice provider's first audio of the reply, and voice to voice (the caller's last voiced frame to
-- the first frame of the reply sent to Twilio). NULL on the Gather transport and for silent turns.
ALTER TABLE conversation_turns ADD COLUMN transcription_ms integer;
ALTER TABLE conversation_turns ADD COLUMN first_audio_ms integer;
ALTER TABLE conversation_turns ADD COLUMN voice_to_voice_ms integer;
