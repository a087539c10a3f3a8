-- The client list reads, for each client of a page, whether it has an active service and
-- its owner's email. These indexes hold the answer, so no table row is read for them.
CREATE INDEX services_client_status ON services (client_id, status);
CREATE INDEX users_owner_email ON users (client_id, email) WHERE is_owner = 1;
