-- Money coming in, and the ledger every balance change is written to. Amounts are minor
-- units of the account's currency. `accounts.balance` caches the sum of an account's
-- entries; `billpanel check-ledger` proves they agree.
CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    client_id BIGINT NOT NULL REFERENCES clients (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    payer_id BIGINT NOT NULL REFERENCES payers (id),
    -- manual (recorded by an employee) or bank_transfer
    method TEXT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    -- new, paid, cancelled
    status TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    -- One submitted form, one payment: a double click finds its key taken.
    idempotency_key TEXT UNIQUE,
    created_by BIGINT REFERENCES employees (id),
    created_at TIMESTAMP NOT NULL,
    paid_at TIMESTAMP
);
CREATE INDEX payments_client ON payments (client_id, id);
CREATE INDEX payments_payer ON payments (payer_id);

CREATE TABLE ledger_entries (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    -- Positive credits the account, negative debits it.
    amount BIGINT NOT NULL CHECK (amount <> 0),
    -- payment, refund, expense or correction
    kind TEXT NOT NULL,
    payment_id BIGINT REFERENCES payments (id),
    comment TEXT NOT NULL DEFAULT '',
    employee_id BIGINT REFERENCES employees (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX ledger_entries_account ON ledger_entries (account_id, id);
