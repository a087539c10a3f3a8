-- The queue's other tabs (waiting for the client, closed) list the tickets updated last,
-- and every tab counts its tickets: both by status.
CREATE INDEX tickets_status ON tickets (status, updated_at);
