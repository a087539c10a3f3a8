-- Two-factor sign-in (TOTP, RFC 6238) of an employee or a client user. The secret is kept
-- sealed with the server's key; `confirmed_at` is set once the person typed a first code,
-- and `last_step` is the time step of the last code accepted, so a code is taken once.
CREATE TABLE two_factor (
    id INTEGER PRIMARY KEY,
    employee_id BIGINT UNIQUE REFERENCES employees (id) ON DELETE CASCADE,
    user_id BIGINT UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    confirmed_at TIMESTAMP,
    last_step BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    CHECK ((employee_id IS NULL) <> (user_id IS NULL))
);

-- Ten single-use codes for a lost phone, kept as hashes.
CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY,
    two_factor_id BIGINT NOT NULL REFERENCES two_factor (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX recovery_codes_of ON recovery_codes (two_factor_id);

-- A department may require two-factor sign-in of its members.
ALTER TABLE departments ADD COLUMN requires_two_factor BOOLEAN NOT NULL DEFAULT FALSE;

-- Settings of the whole installation, by key (the staff's two-factor policy first).
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
