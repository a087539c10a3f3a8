-- "Forgot your password?": a single-use link for one person (a client user or an
-- employee), good for an hour. The token is kept as its SHA-256 only, and the mail that
-- carried it loses it in the outbox once sent, so a copy of the database opens no one's
-- account; using a link marks it used and ends every session of the person.
CREATE TABLE password_resets (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    employee_id BIGINT REFERENCES employees (id) ON DELETE CASCADE,
    ip TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    CHECK ((user_id IS NULL) <> (employee_id IS NULL))
);
CREATE INDEX password_resets_user ON password_resets (user_id);
CREATE INDEX password_resets_employee ON password_resets (employee_id);
CREATE INDEX password_resets_expires ON password_resets (expires_at);
