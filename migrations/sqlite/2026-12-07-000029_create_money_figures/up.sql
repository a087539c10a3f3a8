-- Money received and refunded per provider, by day and by month in the provider's time
-- zone, kept by the ledger in the transaction of each payment and refund
-- (`LedgerEntry::post`): the dashboard reads a few dozen rows instead of summing payments.
-- Amounts in the provider's currency's minor units. Rebuilt from the ledger at the first
-- start after this migration (the table is empty while the ledger has payments) and by
-- seed-demo, which writes its ledger in bulk.
CREATE TABLE money_figures (
    provider_id BIGINT NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    -- 'day' or 'month'; a month starts on its first day.
    span TEXT NOT NULL CHECK (span IN ('day', 'month')),
    starts DATE NOT NULL,
    received BIGINT NOT NULL DEFAULT 0,
    payments BIGINT NOT NULL DEFAULT 0,
    refunded BIGINT NOT NULL DEFAULT 0,
    refunds BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (provider_id, span, starts)
);
