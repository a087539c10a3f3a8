-- Services: what a client ordered, its status and how far it is paid; expenses, the charges
-- for each period; the history of every status change. Amounts are minor units of the
-- account's currency.
ALTER TABLE client_groups ADD COLUMN clients_may_suspend BOOLEAN NOT NULL DEFAULT FALSE;
-- Services suspended for non-payment this many days are deleted by the billing run.
ALTER TABLE providers ADD COLUMN deletion_days INTEGER NOT NULL DEFAULT 30 CHECK (deletion_days BETWEEN 1 AND 3650);

CREATE TABLE services (
    id INTEGER PRIMARY KEY,
    client_id BIGINT NOT NULL REFERENCES clients (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    tariff_id BIGINT NOT NULL REFERENCES tariffs (id),
    period_months INTEGER NOT NULL CHECK (period_months IN (1, 3, 6, 12)),
    -- One period for this client, the group discount applied; fixed when ordered.
    price BIGINT NOT NULL CHECK (price >= 0),
    -- The first charge: price and setup fee, each discounted.
    order_cost BIGINT NOT NULL CHECK (order_cost >= 0),
    -- ordered, active, suspended_client, suspended_admin, suspended_unpaid, deleted
    status TEXT NOT NULL,
    auto_renew BOOLEAN NOT NULL DEFAULT TRUE,
    -- Periods count from the anchor in the provider's time zone:
    -- paid_until = anchor_at + paid_months months (month ends clamp).
    anchor_at TIMESTAMP,
    paid_months INTEGER NOT NULL DEFAULT 0,
    paid_until TIMESTAMP,
    suspended_at TIMESTAMP,
    deleted_at TIMESTAMP,
    -- One submitted order form, one service.
    order_key TEXT UNIQUE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX services_client ON services (client_id, id);
CREATE INDEX services_due ON services (status, paid_until, id);
CREATE INDEX services_suspended ON services (status, suspended_at, id);
CREATE INDEX services_tariff_client ON services (tariff_id, client_id);

CREATE TABLE service_events (
    id INTEGER PRIMARY KEY,
    service_id BIGINT NOT NULL REFERENCES services (id),
    -- ordered, activated, suspended, resumed, deleted, paid_until, auto_renew
    event TEXT NOT NULL,
    -- The status after the event.
    status TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    -- Who did it, as the audit log names them.
    actor TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX service_events_service ON service_events (service_id, id);

CREATE TABLE expenses (
    id INTEGER PRIMARY KEY,
    client_id BIGINT NOT NULL REFERENCES clients (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    service_id BIGINT REFERENCES services (id),
    -- order, renewal or charge (by hand)
    kind TEXT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount >= 0),
    period_start TIMESTAMP,
    period_end TIMESTAMP,
    comment TEXT NOT NULL DEFAULT '',
    employee_id BIGINT REFERENCES employees (id),
    created_at TIMESTAMP NOT NULL,
    -- A period of a service is charged once, whoever races to charge it.
    UNIQUE (service_id, period_start)
);
CREATE INDEX expenses_client ON expenses (client_id, id);

ALTER TABLE ledger_entries ADD COLUMN expense_id BIGINT REFERENCES expenses (id);

-- Low-balance notices sent: one per service, period end and days before it.
CREATE TABLE service_notices (
    service_id BIGINT NOT NULL REFERENCES services (id),
    paid_until TIMESTAMP NOT NULL,
    days_before INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (service_id, paid_until, days_before)
);

ALTER TABLE tickets ADD COLUMN service_id BIGINT REFERENCES services (id);
