DROP TRIGGER services_active_delete ON services;
DROP TRIGGER services_active_update ON services;
DROP TRIGGER services_active_insert ON services;
DROP FUNCTION services_keep_client_active();
DROP INDEX clients_has_active_service;
ALTER TABLE clients DROP COLUMN has_active_service;
