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
-- Once per statement, from its old and new rows: a row-level trigger would update the
-- mailing's row once per message, and 100,000 updates of one row in one transaction (the
-- expiry of a stuck mailing) leave a chain of 100,000 versions that each update walks.
CREATE FUNCTION count_mailing_outcomes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE mailings m
    SET sent = m.sent + d.sent, failed = m.failed + d.failed
    FROM (
        SELECT n.mailing_id,
               SUM((n.status = 'sent')::int - (o.status = 'sent')::int) AS sent,
               SUM((n.status = 'failed')::int - (o.status = 'failed')::int) AS failed
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.mailing_id IS NOT NULL AND n.status <> o.status
        GROUP BY n.mailing_id
    ) d
    WHERE m.id = d.mailing_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_mailing_outcomes AFTER UPDATE ON outbox
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_mailing_outcomes();
-- Nothing counts a mailing's messages by status any more; (mailing_id, recipient) finds them.
DROP INDEX outbox_mailing_status;
