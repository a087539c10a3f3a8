CREATE VIRTUAL TABLE client_search_by_id USING fts5(document, tokenize = 'trigram');
INSERT INTO client_search_by_id (rowid, document) SELECT -rowid, document FROM client_search;
DROP TABLE client_search;
ALTER TABLE client_search_by_id RENAME TO client_search;
