-- Whether a client has an active service (the list's "Active" / "Not active" state), kept
-- on the client by a trigger on services, so the state filter reads an index instead of
-- looking at every client's services: with no inactive client among 100,000, "Not active"
-- looked at all of them on every page.
ALTER TABLE clients ADD COLUMN has_active_service BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE clients SET has_active_service = EXISTS (
    SELECT 1 FROM services WHERE services.client_id = clients.id AND services.status = 'active');
CREATE INDEX clients_has_active_service ON clients (has_active_service, id);

CREATE FUNCTION services_keep_client_active() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE clients SET has_active_service = EXISTS (
            SELECT 1 FROM services s WHERE s.client_id = OLD.client_id AND s.status = 'active')
        WHERE id = OLD.client_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        UPDATE clients SET has_active_service = EXISTS (
            SELECT 1 FROM services s WHERE s.client_id = NEW.client_id AND s.status = 'active')
        WHERE id = NEW.client_id;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER services_active_insert AFTER INSERT ON services
FOR EACH ROW WHEN (NEW.status = 'active')
EXECUTE FUNCTION services_keep_client_active();

CREATE TRIGGER services_active_update AFTER UPDATE OF status, client_id ON services
FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.client_id IS DISTINCT FROM NEW.client_id)
EXECUTE FUNCTION services_keep_client_active();

CREATE TRIGGER services_active_delete AFTER DELETE ON services
FOR EACH ROW WHEN (OLD.status = 'active')
EXECUTE FUNCTION services_keep_client_active();
