-- A mailing's sent and failed messages, counted on its row by a trigger in the statement
-- that changes a message's status, whichever code does it (the worker marking one sent or
-- failed for good, the expiry of old mail, "send again"): its page, its progress figures and
-- the list read one row instead of counting up to 100,000 messages on every refresh, and the
-- counts cannot drift from the messages. Waiting is recipients - sent - failed.
ALTER TABLE mailings ADD COLUMN sent BIGINT NOT NULL DEFAULT 0;
ALTER TABLE mailings ADD COLUMN failed BIGINT NOT NULL DEFAULT 0;
UPDATE mailings SET
    sent = (SELECT COUNT(*) FROM outbox o WHERE o.mailing_id = mailings.id AND o.status = 'sent'),
    failed = (SELECT COUNT(*) FROM outbox o WHERE o.mailing_id = mailings.id AND o.status = 'failed');
CREATE TRIGGER outbox_mailing_outcomes AFTER UPDATE OF status ON outbox
WHEN NEW.mailing_id IS NOT NULL AND NEW.status <> OLD.status
BEGIN
    UPDATE mailings SET
        sent = sent + (NEW.status = 'sent') - (OLD.status = 'sent'),
        failed = failed + (NEW.status = 'failed') - (OLD.status = 'failed')
    WHERE id = NEW.mailing_id;
END;
-- Nothing counts a mailing's messages by status any more; (mailing_id, recipient) finds them.
DROP INDEX outbox_mailing_status;
