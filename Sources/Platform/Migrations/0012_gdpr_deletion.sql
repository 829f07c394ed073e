-- The address of a user being deleted, kept on the request only while the deletion runs (rows are
-- matched by it after the user row is gone; cleared when the deletion completes).
ALTER TABLE gdpr_requests ADD COLUMN subject_email text;
