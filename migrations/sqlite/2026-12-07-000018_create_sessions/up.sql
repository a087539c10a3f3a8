-- Each sign-in is a row that every request checks, so a person can see its sessions and
-- end one from anywhere, on any server sharing the database. The cookie holds a random
-- key; the row holds its SHA-256.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    key_hash TEXT NOT NULL UNIQUE,
    employee_id BIGINT REFERENCES employees (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    user_agent TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    CHECK ((employee_id IS NULL) <> (user_id IS NULL))
);
CREATE INDEX sessions_of_employee ON sessions (employee_id, ended_at);
CREATE INDEX sessions_of_user ON sessions (user_id, ended_at);
