DROP INDEX services_client_status;
