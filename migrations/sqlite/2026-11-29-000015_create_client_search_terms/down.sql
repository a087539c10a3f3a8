DROP TABLE client_search_terms;
