-- One lower-cased text per client (name, contact, phone, users' emails, payers' names,
-- tax ids and emails), searched by substring through a trigram index: no scan of every row.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE client_search (
    client_id BIGINT PRIMARY KEY REFERENCES clients (id) ON DELETE CASCADE,
    document TEXT NOT NULL
);
CREATE INDEX client_search_trigram ON client_search USING gin (document gin_trgm_ops);
