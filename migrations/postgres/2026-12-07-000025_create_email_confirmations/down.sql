DROP TABLE email_confirmations;
ALTER TABLE providers DROP COLUMN require_confirmed_email;
ALTER TABLE users DROP COLUMN email_confirmed_at;
