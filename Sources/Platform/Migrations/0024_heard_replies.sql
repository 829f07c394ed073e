-- What the caller heard of a streamed reply: the sentences Twilio played before the caller
-- interrupted (NULL: the whole reply, or a transport that cannot tell).
ALTER TABLE conversation_turns ADD COLUMN heard_text text;
ALTER TABLE conversation_turns ADD COLUMN interrupted boolean NOT NULL DEFAULT false;
