-- A registration waiting for its address to be confirmed: the client is made only when the
-- link mailed there is followed, so registering tells nobody whether an address has an
-- account already. The token is kept as its SHA-256.
CREATE TABLE pending_registrations (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    provider_id BIGINT NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    ip TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX pending_registrations_by_email ON pending_registrations (email);

-- A client invites another user by email; the user is made when the invitation is
-- accepted (the invited person chooses its password), so inviting tells nobody whether
-- the address has a sign-in elsewhere.
CREATE TABLE user_invitations (
    id INTEGER PRIMARY KEY,
    client_id BIGINT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    sections TEXT NOT NULL DEFAULT '',
    token_hash TEXT NOT NULL UNIQUE,
    invited_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    accepted_at TIMESTAMP
);
CREATE INDEX user_invitations_of_client ON user_invitations (client_id);
