DROP TABLE tariff_hidden_groups;
DROP TABLE tariffs;
DROP TABLE product_types;
