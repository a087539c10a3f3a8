DROP INDEX providers_one_registration_default;
ALTER TABLE providers DROP COLUMN self_service;
ALTER TABLE providers DROP COLUMN registration_default;
