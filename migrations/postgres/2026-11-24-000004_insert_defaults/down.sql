DELETE FROM departments WHERE name IN ('Sales', 'Technical support');
DELETE FROM company_providers;
DELETE FROM companies WHERE legal_name = 'My company';
DELETE FROM providers WHERE name = 'Main provider';
DELETE FROM currencies WHERE code IN ('RUB', 'EUR', 'USD');
