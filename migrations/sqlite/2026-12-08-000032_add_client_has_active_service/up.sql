-- Whether a client has an active service (the list's "Active" / "Not active" state), kept
-- on the client by triggers on services, so the state filter reads an index instead of
-- looking at every client's services: with no inactive client among 100,000, "Not active"
-- looked at all of them on every page.
ALTER TABLE clients ADD COLUMN has_active_service BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE clients SET has_active_service = EXISTS (
    SELECT 1 FROM services WHERE services.client_id = clients.id AND services.status = 'active');
CREATE INDEX clients_has_active_service ON clients (has_active_service, id);

CREATE TRIGGER services_active_insert AFTER INSERT ON services
WHEN NEW.status = 'active'
BEGIN
    UPDATE clients SET has_active_service = TRUE
    WHERE id = NEW.client_id AND NOT has_active_service;
END;

CREATE TRIGGER services_active_update AFTER UPDATE OF status, client_id ON services
WHEN OLD.status IS NOT NEW.status OR OLD.client_id IS NOT NEW.client_id
BEGIN
    UPDATE clients SET has_active_service = EXISTS (
        SELECT 1 FROM services s WHERE s.client_id = clients.id AND s.status = 'active')
    WHERE id IN (OLD.client_id, NEW.client_id);
END;

CREATE TRIGGER services_active_delete AFTER DELETE ON services
WHEN OLD.status = 'active'
BEGIN
    UPDATE clients SET has_active_service = EXISTS (
        SELECT 1 FROM services s WHERE s.client_id = clients.id AND s.status = 'active')
    WHERE id = OLD.client_id;
END;
