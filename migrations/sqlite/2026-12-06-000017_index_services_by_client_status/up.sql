-- The client list asks, for each client of a page, whether it has an active service: this
-- index answers it without reading the services themselves.
CREATE INDEX services_client_status ON services (client_id, status);
