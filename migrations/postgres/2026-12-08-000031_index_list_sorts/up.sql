-- The payments list sorts by amount either way (then id), and the client list filters on
-- enabled: each reads its own index instead of the whole table.
CREATE INDEX payments_amount ON payments (amount, id);
CREATE INDEX clients_enabled ON clients (enabled, id);
