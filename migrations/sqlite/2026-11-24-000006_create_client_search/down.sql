DROP TABLE client_search;
