-- The provider side: currencies, providers, the companies that issue documents, departments and employees.
CREATE TABLE currencies (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    exponent INTEGER NOT NULL CHECK (exponent BETWEEN 0 AND 4),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE providers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    currency_id BIGINT NOT NULL REFERENCES currencies (id),
    notification_email TEXT NOT NULL DEFAULT '',
    site_url TEXT NOT NULL DEFAULT '',
    time_zone TEXT NOT NULL DEFAULT 'UTC',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE companies (
    id INTEGER PRIMARY KEY,
    legal_name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('legal_entity', 'sole_proprietor')),
    tax_id TEXT NOT NULL DEFAULT '',
    registration_number TEXT NOT NULL DEFAULT '',
    legal_address TEXT NOT NULL DEFAULT '',
    postal_address TEXT NOT NULL DEFAULT '',
    bank_details TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE company_providers (
    company_id BIGINT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    provider_id BIGINT NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    PRIMARY KEY (company_id, provider_id)
);

CREATE TABLE departments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    shown_in_support BOOLEAN NOT NULL DEFAULT FALSE,
    business_hours TEXT NOT NULL DEFAULT '',
    -- Business hours are read in this IANA time zone.
    time_zone TEXT NOT NULL DEFAULT 'UTC',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE employees (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    is_superuser BOOLEAN NOT NULL DEFAULT FALSE,
    session_version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_sign_in_at TIMESTAMP
);

CREATE TABLE department_members (
    department_id BIGINT NOT NULL REFERENCES departments (id) ON DELETE CASCADE,
    employee_id BIGINT NOT NULL REFERENCES employees (id),
    PRIMARY KEY (department_id, employee_id)
);
CREATE INDEX department_members_employee ON department_members (employee_id);

CREATE TABLE department_grants (
    department_id BIGINT NOT NULL REFERENCES departments (id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    PRIMARY KEY (department_id, permission)
);

CREATE TABLE employee_grants (
    employee_id BIGINT NOT NULL REFERENCES employees (id),
    permission TEXT NOT NULL,
    PRIMARY KEY (employee_id, permission)
);
