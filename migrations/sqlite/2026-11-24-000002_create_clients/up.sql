-- Clients and what belongs to them: users (logins), payers, accounts at providers, client groups.
CREATE TABLE clients (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'person' CHECK (kind IN ('person', 'organisation')),
    contact_person TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT 'en',
    comment TEXT NOT NULL DEFAULT '',
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    registered_by BIGINT REFERENCES employees (id),
    registration_ip TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX clients_created_at ON clients (created_at, id);
CREATE INDEX clients_name ON clients (name, id);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    client_id BIGINT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_owner BOOLEAN NOT NULL DEFAULT FALSE,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    session_version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_sign_in_at TIMESTAMP
);
CREATE INDEX users_client ON users (client_id);
-- A client has exactly one owner user.
CREATE UNIQUE INDEX users_one_owner ON users (client_id) WHERE is_owner = 1;

CREATE TABLE user_grants (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    PRIMARY KEY (user_id, permission)
);

CREATE TABLE payers (
    id INTEGER PRIMARY KEY,
    client_id BIGINT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('individual', 'sole_proprietor', 'legal_entity')),
    name TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT '',
    postal_address TEXT NOT NULL DEFAULT '',
    legal_address TEXT NOT NULL DEFAULT '',
    tax_id TEXT NOT NULL DEFAULT '',
    registration_number TEXT NOT NULL DEFAULT '',
    contact_person TEXT NOT NULL DEFAULT '',
    bank_details TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX payers_client ON payers (client_id);

-- One account per provider the client is connected to. `balance` is a cache of the ledger in
-- minor units of the provider's currency; `billpanel check-ledger` proves it equals the entries.
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    client_id BIGINT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    provider_id BIGINT NOT NULL REFERENCES providers (id),
    balance BIGINT NOT NULL DEFAULT 0,
    credit_limit BIGINT NOT NULL DEFAULT 0 CHECK (credit_limit >= 0),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (client_id, provider_id)
);
-- The client list sorted by balance at one provider.
CREATE INDEX accounts_provider_balance ON accounts (provider_id, balance, client_id);

CREATE TABLE client_groups (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    -- discount in basis points: 1250 is 12.50 %
    discount_bp INTEGER NOT NULL DEFAULT 0 CHECK (discount_bp BETWEEN 0 AND 10000),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE client_group_members (
    client_group_id BIGINT NOT NULL REFERENCES client_groups (id) ON DELETE CASCADE,
    client_id BIGINT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    PRIMARY KEY (client_group_id, client_id)
);
CREATE INDEX client_group_members_client ON client_group_members (client_id);
