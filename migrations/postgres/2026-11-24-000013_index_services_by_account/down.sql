DROP INDEX services_account;
