DROP INDEX users_owner_email;
DROP INDEX services_client_status;
