-- Signing a user out everywhere (a password reset) raises their session epoch; access tokens carry
-- the epoch they were issued under and are refused once it is behind.
ALTER TABLE users ADD COLUMN session_epoch integer NOT NULL DEFAULT 0;
