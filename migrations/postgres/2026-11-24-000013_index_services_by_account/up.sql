-- A payment settles its account's waiting and suspended services: find them by account.
CREATE INDEX services_account ON services (account_id, status);
