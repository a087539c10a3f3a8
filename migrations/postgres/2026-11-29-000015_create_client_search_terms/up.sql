-- The words of each client's search document (names, emails, phones, tax ids), for the
-- searches people make most: a tax id, an email, a surname, or the start of one. A range of
-- this index answers them at once, however common the digits or letters in them are; the
-- trigram index stays for text in the middle of a word. Byte order ("C"), so that a prefix
-- is one range of the index.
CREATE TABLE client_search_terms (
    term TEXT COLLATE "C" NOT NULL,
    client_id BIGINT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    PRIMARY KEY (term, client_id)
);
CREATE INDEX client_search_terms_client ON client_search_terms (client_id);

INSERT INTO client_search_terms (term, client_id)
SELECT DISTINCT word, client_id
FROM client_search, regexp_split_to_table(document, ' ') AS word
WHERE word NOT IN ('', '|')
ON CONFLICT DO NOTHING;
