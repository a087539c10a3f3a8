DROP TRIGGER services_active_delete;
DROP TRIGGER services_active_update;
DROP TRIGGER services_active_insert;
DROP INDEX clients_has_active_service;
ALTER TABLE clients DROP COLUMN has_active_service;
