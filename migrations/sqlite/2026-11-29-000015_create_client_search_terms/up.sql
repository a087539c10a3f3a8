-- The words of each client's search document (names, emails, phones, tax ids), for the
-- searches people make most: a tax id, an email, a surname, or the start of one. A range of
-- this index answers them at once, however common the digits or letters in them are; the
-- trigram index stays for text in the middle of a word.
CREATE TABLE client_search_terms (
    term TEXT NOT NULL,
    client_id BIGINT NOT NULL,
    PRIMARY KEY (term, client_id)
) WITHOUT ROWID;
CREATE INDEX client_search_terms_client ON client_search_terms (client_id);

WITH RECURSIVE split(client_id, word, rest) AS (
    SELECT rowid, '', document || ' ' FROM client_search
    UNION ALL
    SELECT client_id, substr(rest, 1, instr(rest, ' ') - 1), substr(rest, instr(rest, ' ') + 1)
    FROM split WHERE rest <> ''
)
INSERT OR IGNORE INTO client_search_terms (term, client_id)
SELECT word, client_id FROM split WHERE word NOT IN ('', '|');
