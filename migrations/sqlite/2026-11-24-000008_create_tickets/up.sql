-- The support centre: tickets addressed to departments, their messages (internal notes
-- included, never shown to clients), canned replies, and each department's expected
-- response time in business hours.
ALTER TABLE departments ADD COLUMN response_hours INTEGER NOT NULL DEFAULT 8;

CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    client_id BIGINT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    subject TEXT NOT NULL,
    -- waiting_provider, waiting_client or closed
    status TEXT NOT NULL CHECK (status IN ('waiting_provider', 'waiting_client', 'closed')),
    assigned_to BIGINT REFERENCES employees (id),
    -- Since when the ticket waits for the provider (set while waiting_provider).
    waiting_since TIMESTAMP,
    -- A staff reply the client has not seen yet.
    client_unread BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP
);
CREATE INDEX tickets_queue ON tickets (department_id, status, waiting_since);
CREATE INDEX tickets_client ON tickets (client_id, id);

CREATE TABLE ticket_messages (
    id INTEGER PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    employee_id BIGINT REFERENCES employees (id),
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    internal BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX ticket_messages_ticket ON ticket_messages (ticket_id, id);

CREATE TABLE canned_replies (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    department_id BIGINT REFERENCES departments (id) ON DELETE CASCADE,
    employee_id BIGINT REFERENCES employees (id),
    created_at TIMESTAMP NOT NULL
);

INSERT INTO department_grants (department_id, permission)
    SELECT d.id, p.permission
    FROM departments d,
         (SELECT 'support.view' AS permission UNION ALL SELECT 'support.answer'
          UNION ALL SELECT 'support.notes' UNION ALL SELECT 'support.assign') p
    WHERE d.name = 'Technical support';
