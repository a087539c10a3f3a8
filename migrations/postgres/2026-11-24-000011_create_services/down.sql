ALTER TABLE tickets DROP COLUMN service_id;
DROP TABLE service_notices;
ALTER TABLE ledger_entries DROP COLUMN expense_id;
DROP TABLE expenses;
DROP TABLE service_events;
DROP TABLE services;
ALTER TABLE providers DROP COLUMN deletion_days;
ALTER TABLE client_groups DROP COLUMN clients_may_suspend;
