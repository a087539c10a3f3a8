-- A user's e-mail address is confirmed when a link mailed to it is followed. Addresses of
-- users made before confirmation existed count as confirmed (registration and invitations
-- already went through a link mailed to them); staff making a client or changing an
-- owner's address leaves it unconfirmed until the link sent to it is used.
ALTER TABLE users ADD COLUMN email_confirmed_at TIMESTAMP;
UPDATE users SET email_confirmed_at = created_at;
-- A provider may take orders only from clients whose owner confirmed the address.
ALTER TABLE providers ADD COLUMN require_confirmed_email BOOLEAN NOT NULL DEFAULT FALSE;
-- The links: single-use, for the address they were sent to (a link to an address the user
-- no longer has confirms nothing), kept as the SHA-256 of the token only.
CREATE TABLE email_confirmations (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX email_confirmations_user ON email_confirmations (user_id);
CREATE INDEX email_confirmations_expires ON email_confirmations (expires_at);
