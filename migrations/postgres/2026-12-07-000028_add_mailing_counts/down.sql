CREATE INDEX outbox_mailing_status ON outbox (mailing_id, status);
DROP TRIGGER outbox_mailing_outcomes ON outbox;
DROP FUNCTION count_mailing_outcomes();
ALTER TABLE mailings DROP COLUMN failed;
ALTER TABLE mailings DROP COLUMN sent;
