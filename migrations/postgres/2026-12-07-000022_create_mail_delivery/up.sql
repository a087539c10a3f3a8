-- Delivering the outbox (#18). A message is waiting until a worker sends it, then sent, or
-- failed with the server's answer. A worker claims a few waiting messages at a time by
-- writing its claim token and a time until which the claim holds (a crashed worker's claim
-- runs out); a temporary failure puts the message back with a later next attempt.
ALTER TABLE outbox ADD COLUMN status TEXT NOT NULL DEFAULT 'waiting';
ALTER TABLE outbox ADD COLUMN next_attempt_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
ALTER TABLE outbox ADD COLUMN claimed_until TIMESTAMP;
ALTER TABLE outbox ADD COLUMN claim TEXT NOT NULL DEFAULT '';
-- The Message-ID the message was sent with, so a copy found in a mailbox can be matched.
ALTER TABLE outbox ADD COLUMN message_id TEXT NOT NULL DEFAULT '';
UPDATE outbox SET
    status = CASE WHEN sent_at IS NULL THEN 'waiting' ELSE 'sent' END,
    next_attempt_at = created_at;
DROP INDEX outbox_unsent;
-- What a worker claims next.
CREATE INDEX outbox_due ON outbox (status, next_attempt_at, id);
-- /admin/outbox: newest first, alone or by status or by recipient.
CREATE INDEX outbox_created ON outbox (created_at, id);
CREATE INDEX outbox_status_created ON outbox (status, created_at, id);
CREATE INDEX outbox_recipient_created ON outbox (recipient, created_at, id);
