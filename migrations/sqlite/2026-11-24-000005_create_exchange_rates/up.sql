-- Exchange rates entered by hand: on `rate_date`, one unit of `currency_id` costs `rate`
-- units of `quote_currency_id`. The rate is a decimal kept as text, exact on both engines.
CREATE TABLE exchange_rates (
    id INTEGER PRIMARY KEY,
    currency_id BIGINT NOT NULL REFERENCES currencies (id) ON DELETE CASCADE,
    quote_currency_id BIGINT NOT NULL REFERENCES currencies (id) ON DELETE CASCADE,
    rate_date DATE NOT NULL,
    rate TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (currency_id, quote_currency_id, rate_date),
    CHECK (currency_id <> quote_currency_id)
);
