-- One lower-cased text per client (rowid = client id), searched by substring through FTS5's
-- trigram tokenizer: no scan of every row.
CREATE VIRTUAL TABLE client_search USING fts5(document, tokenize = 'trigram');
