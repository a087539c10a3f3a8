-- Mass mailings to clients: a subject and a text (a template), the clients it targets (any
-- of some groups, one provider's, Active or Not active, combined), and how far queuing
-- has got: clients are queued in id order, a chunk per transaction, and `queued_up_to` is the
-- last client queued, moved in the chunk's transaction only if nobody moved it first, so
-- a server that stops mid-way (or two servers at once) neither skips nor repeats anyone.
CREATE TABLE mailings (
    id INTEGER PRIMARY KEY,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    group_ids TEXT NOT NULL DEFAULT '',
    provider_id BIGINT REFERENCES providers (id) ON DELETE SET NULL,
    state TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'queuing' CHECK (status IN ('queuing', 'queued')),
    queued_up_to BIGINT NOT NULL DEFAULT 0,
    recipients BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES employees (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    queued_at TIMESTAMP
);
CREATE INDEX mailings_created ON mailings (created_at, id);
CREATE INDEX mailings_status ON mailings (status);
-- A mailing's messages, counted by status for its progress; one per recipient.
ALTER TABLE outbox ADD COLUMN mailing_id BIGINT REFERENCES mailings (id) ON DELETE SET NULL;
ALTER TABLE outbox ADD COLUMN unsubscribe TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX outbox_mailing_recipient ON outbox (mailing_id, recipient);
CREATE INDEX outbox_mailing_status ON outbox (mailing_id, status);
-- The worker claims notices first, then a mailing's messages: a password reset queued
-- after a mailing to 100,000 clients goes out at once, not after them.
CREATE INDEX outbox_due_notices ON outbox (status, next_attempt_at, id) WHERE mailing_id IS NULL;
CREATE INDEX outbox_due_mailings ON outbox (status, next_attempt_at, id) WHERE mailing_id IS NOT NULL;
-- Clients who do not want mailings (by the link in one, or on their profile). Password
-- resets and financial notices are always sent.
ALTER TABLE clients ADD COLUMN receives_mailings BOOLEAN NOT NULL DEFAULT TRUE;
