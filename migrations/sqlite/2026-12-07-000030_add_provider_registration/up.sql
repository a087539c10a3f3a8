-- Who a visitor registers with at /register: the site's provider (one, the
-- registration_default) unless the visitor picks another provider marked self_service.
-- Internal providers are no longer offered to visitors by name.
ALTER TABLE providers ADD COLUMN registration_default BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE providers ADD COLUMN self_service BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE providers SET registration_default = TRUE WHERE id = (SELECT MIN(id) FROM providers);
CREATE UNIQUE INDEX providers_one_registration_default ON providers (registration_default) WHERE registration_default;
