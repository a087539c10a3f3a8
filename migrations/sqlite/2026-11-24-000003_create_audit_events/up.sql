-- Append-only record of who did what. No foreign keys: an event outlives what it names.
CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    employee_id BIGINT,
    user_id BIGINT,
    client_id BIGINT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL DEFAULT '',
    object_id BIGINT,
    changes TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_at ON audit_events (at, id);
CREATE INDEX audit_events_employee ON audit_events (employee_id, at);
CREATE INDEX audit_events_object ON audit_events (object_type, object_id, at);
CREATE INDEX audit_events_client ON audit_events (client_id, at);

-- Failed sign-ins per account and per address, to slow down and then refuse guessing.
CREATE TABLE sign_in_throttles (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    first_failed_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP
);
