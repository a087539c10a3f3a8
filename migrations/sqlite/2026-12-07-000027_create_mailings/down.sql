ALTER TABLE clients DROP COLUMN receives_mailings;
DROP INDEX outbox_due_mailings;
DROP INDEX outbox_due_notices;
DROP INDEX outbox_mailing_status;
DROP INDEX outbox_mailing_recipient;
ALTER TABLE outbox DROP COLUMN unsubscribe;
ALTER TABLE outbox DROP COLUMN mailing_id;
DROP TABLE mailings;
