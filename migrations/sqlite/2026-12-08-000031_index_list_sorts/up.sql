-- The payments list sorts by amount either way (then id), and the client list filters on
-- enabled: each reads its own index instead of the whole table.
CREATE INDEX payments_amount ON payments (amount, id);
CREATE INDEX clients_enabled ON clients (enabled, id);
-- The services list sorts by price and by the end of paid time either way; the expenses
-- list by amount.
CREATE INDEX services_price ON services (price, id);
CREATE INDEX services_paid_until ON services (paid_until, id);
CREATE INDEX expenses_amount ON expenses (amount, id);
-- The header search finds a document by its number.
CREATE INDEX documents_number ON documents (number);
-- The services list filtered by status, newest first: read in order from the index, not
-- every service of the status sorted.
CREATE INDEX services_status_id ON services (status, id);
