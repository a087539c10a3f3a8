DROP TABLE client_group_members;
DROP TABLE client_groups;
DROP TABLE accounts;
DROP TABLE payers;
DROP TABLE user_grants;
DROP TABLE users;
DROP TABLE clients;
