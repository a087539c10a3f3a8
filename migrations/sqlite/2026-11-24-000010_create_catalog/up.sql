-- The catalog: product types and the tariffs sold under a provider, priced in its currency
-- (minor units) for 1, 3, 6 or 12 months; a period without a price is not offered.
CREATE TABLE product_types (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE tariffs (
    id INTEGER PRIMARY KEY,
    provider_id BIGINT NOT NULL REFERENCES providers (id),
    product_type_id BIGINT NOT NULL REFERENCES product_types (id),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    price_1 BIGINT CHECK (price_1 >= 0),
    price_3 BIGINT CHECK (price_3 >= 0),
    price_6 BIGINT CHECK (price_6 >= 0),
    price_12 BIGINT CHECK (price_12 >= 0),
    setup_fee BIGINT NOT NULL DEFAULT 0 CHECK (setup_fee >= 0),
    orderable BOOLEAN NOT NULL DEFAULT TRUE,
    -- At most this many services of the tariff per client; NULL: no limit.
    per_client_limit INTEGER CHECK (per_client_limit > 0),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (provider_id, name)
);

-- Client groups a tariff is not offered to.
CREATE TABLE tariff_hidden_groups (
    tariff_id BIGINT NOT NULL REFERENCES tariffs (id) ON DELETE CASCADE,
    client_group_id BIGINT NOT NULL REFERENCES client_groups (id) ON DELETE CASCADE,
    PRIMARY KEY (tariff_id, client_group_id)
);
