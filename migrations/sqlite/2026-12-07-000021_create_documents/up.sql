-- Accounting documents (#17). A company gets what its documents need: prefixes of its four
-- series, its tax, the days a bill gives to pay, who signs, and the KPP of a Russian legal
-- entity.
ALTER TABLE companies ADD COLUMN country TEXT NOT NULL DEFAULT '';
ALTER TABLE companies ADD COLUMN kpp TEXT NOT NULL DEFAULT '';
ALTER TABLE companies ADD COLUMN signatory_name TEXT NOT NULL DEFAULT '';
ALTER TABLE companies ADD COLUMN signatory_title TEXT NOT NULL DEFAULT '';
-- 'none' or 'vat_included' (VAT within the prices charged).
ALTER TABLE companies ADD COLUMN tax_mode TEXT NOT NULL DEFAULT 'none';
-- The VAT rate in basis points (2000 = 20 %).
ALTER TABLE companies ADD COLUMN tax_rate_bp INTEGER NOT NULL DEFAULT 0;
ALTER TABLE companies ADD COLUMN bill_due_days INTEGER NOT NULL DEFAULT 5;
ALTER TABLE companies ADD COLUMN bill_prefix TEXT NOT NULL DEFAULT 'INV';
ALTER TABLE companies ADD COLUMN act_prefix TEXT NOT NULL DEFAULT 'ACT';
ALTER TABLE companies ADD COLUMN credit_note_prefix TEXT NOT NULL DEFAULT 'CN';
ALTER TABLE companies ADD COLUMN reconciliation_prefix TEXT NOT NULL DEFAULT 'REC';

-- The payer as it was when the payment was made (JSON), so that editing a payer later
-- changes no payment's page. Empty for payments made before this migration.
ALTER TABLE payments ADD COLUMN payer_snapshot TEXT NOT NULL DEFAULT '';

-- Gapless numbers: the last number given per company, series and year. A number is taken
-- by an upsert inside the transaction that issues the document, whose row lock (or
-- SQLite's one writer) makes concurrent issues wait, and whose rollback gives it back.
CREATE TABLE document_sequences (
    company_id BIGINT NOT NULL REFERENCES companies (id),
    kind TEXT NOT NULL,
    year INTEGER NOT NULL,
    last_number BIGINT NOT NULL,
    PRIMARY KEY (company_id, kind, year)
);

-- An issued document never changes but for its status: what it says of the company and
-- the payer is the snapshot taken at issue.
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    -- 'bill', 'act', 'credit_note' or 'reconciliation'.
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    year INTEGER NOT NULL,
    sequence BIGINT NOT NULL,
    company_id BIGINT NOT NULL REFERENCES companies (id),
    payer_id BIGINT NOT NULL REFERENCES payers (id),
    client_id BIGINT NOT NULL REFERENCES clients (id),
    currency_code TEXT NOT NULL,
    currency_exponent INTEGER NOT NULL,
    issued_on DATE NOT NULL,
    -- A bill: the day it is due.
    due_on DATE,
    -- An act: its month; a reconciliation report: its range (both days included).
    period_start DATE,
    period_end DATE,
    -- A bill or a credit note: the payment it is for.
    payment_id BIGINT REFERENCES payments (id),
    -- A credit note: the bill it corrects, where there is one.
    related_id BIGINT REFERENCES documents (id),
    total BIGINT NOT NULL,
    tax BIGINT NOT NULL,
    -- How the tax was counted, as printed: '' (none) or e.g. 'VAT 20 % included'.
    tax_label TEXT NOT NULL DEFAULT '',
    -- A reconciliation report: the balance at its start (its total is the closing one).
    opening BIGINT NOT NULL DEFAULT 0,
    -- 'issued', 'sent' or 'cancelled'.
    status TEXT NOT NULL,
    cancel_reason TEXT NOT NULL DEFAULT '',
    company_snapshot TEXT NOT NULL,
    payer_snapshot TEXT NOT NULL,
    created_by BIGINT REFERENCES employees (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (company_id, kind, year, sequence)
);
-- One live act per company, payer, currency and month; one bill per payment.
CREATE UNIQUE INDEX documents_one_act ON documents (company_id, payer_id, currency_code, period_start)
    WHERE kind = 'act' AND status <> 'cancelled';
CREATE UNIQUE INDEX documents_one_bill ON documents (payment_id) WHERE kind = 'bill';
-- Lists are newest first by date: each filter has its (…, issued_on, id) index.
CREATE INDEX documents_of_client ON documents (client_id, issued_on, id);
CREATE INDEX documents_of_payer ON documents (payer_id, issued_on, id);
CREATE INDEX documents_of_company ON documents (company_id, issued_on, id);
-- A month's acts of a batch of payers (act generation).
CREATE INDEX documents_acts_of_payer ON documents (payer_id, period_start);
CREATE INDEX documents_by_kind ON documents (kind, issued_on, id);
CREATE INDEX documents_by_status ON documents (status, issued_on, id);
CREATE INDEX documents_by_issue ON documents (issued_on, id);
CREATE INDEX documents_of_payment ON documents (payment_id);
-- Credit notes of a bill (and what a foreign key check on related_id reads).
CREATE INDEX documents_related ON documents (related_id);

CREATE TABLE document_lines (
    id INTEGER PRIMARY KEY,
    document_id BIGINT NOT NULL REFERENCES documents (id),
    position INTEGER NOT NULL,
    line_date DATE,
    description TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    unit_price BIGINT NOT NULL,
    -- A reconciliation line's money goes to one side: amount is the debit (charged),
    -- credit the money received.
    amount BIGINT NOT NULL,
    credit BIGINT NOT NULL DEFAULT 0,
    expense_id BIGINT REFERENCES expenses (id)
);
CREATE INDEX document_lines_of_document ON document_lines (document_id, position);
CREATE INDEX document_lines_of_expense ON document_lines (expense_id);

-- Acts read a month's expenses account by account, and the payments before them.
CREATE INDEX expenses_by_time ON expenses (created_at);
CREATE INDEX expenses_of_account ON expenses (account_id, created_at);
CREATE INDEX payments_of_account_paid ON payments (account_id, paid_at);

-- A mail about a document names it (its PDF is attached when mail is delivered).
ALTER TABLE outbox ADD COLUMN document_id BIGINT REFERENCES documents (id);
