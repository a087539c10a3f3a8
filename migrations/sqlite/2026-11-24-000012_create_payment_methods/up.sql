-- How clients pay: payment methods, each taking money for one company in one currency for
-- the providers it serves; the events payment gateways send, each applied once; and what
-- refunds and corrections need. Amounts are minor units of the method's currency.
CREATE TABLE payment_methods (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    -- bank_transfer or test_card
    kind TEXT NOT NULL,
    company_id BIGINT NOT NULL REFERENCES companies (id),
    currency_id BIGINT NOT NULL REFERENCES currencies (id),
    min_amount BIGINT CHECK (min_amount > 0),
    max_amount BIGINT CHECK (max_amount > 0),
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE payment_method_providers (
    payment_method_id BIGINT NOT NULL REFERENCES payment_methods (id) ON DELETE CASCADE,
    provider_id BIGINT NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    PRIMARY KEY (payment_method_id, provider_id)
);

-- Client groups a method is not offered to.
CREATE TABLE payment_method_hidden_groups (
    payment_method_id BIGINT NOT NULL REFERENCES payment_methods (id) ON DELETE CASCADE,
    client_group_id BIGINT NOT NULL REFERENCES client_groups (id) ON DELETE CASCADE,
    PRIMARY KEY (payment_method_id, client_group_id)
);

-- Payment statuses now: new, in_progress (sent to a gateway), paid, partly_refunded,
-- refunded, cancelled. `refunded` is the part of the amount paid back.
ALTER TABLE payments ADD COLUMN payment_method_id BIGINT REFERENCES payment_methods (id);
ALTER TABLE payments ADD COLUMN refunded BIGINT NOT NULL DEFAULT 0 CHECK (refunded >= 0);
CREATE INDEX payments_status ON payments (status, id);

-- What a gateway told us, once per (gateway, event id): the same event sent again finds
-- its key taken and changes nothing.
CREATE TABLE gateway_events (
    id INTEGER PRIMARY KEY,
    gateway TEXT NOT NULL,
    event_id TEXT NOT NULL,
    payment_id BIGINT NOT NULL REFERENCES payments (id),
    -- succeeded or declined
    outcome TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    UNIQUE (gateway, event_id)
);
CREATE INDEX gateway_events_payment ON gateway_events (payment_id);

-- A refund or correction form sent twice writes one entry.
ALTER TABLE ledger_entries ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX ledger_entries_key ON ledger_entries (idempotency_key);
CREATE INDEX ledger_entries_payment ON ledger_entries (payment_id);
