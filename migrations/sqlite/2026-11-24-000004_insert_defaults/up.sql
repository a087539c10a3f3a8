-- What a fresh installation starts with; the administrator edits it in the admin area.
INSERT INTO currencies (code, name, exponent) VALUES
    ('RUB', 'Russian ruble', 2),
    ('EUR', 'Euro', 2),
    ('USD', 'US dollar', 2);

INSERT INTO providers (name, currency_id, time_zone)
    SELECT 'Main provider', id, 'UTC' FROM currencies WHERE code = 'RUB';

INSERT INTO companies (legal_name, kind) VALUES ('My company', 'legal_entity');

INSERT INTO company_providers (company_id, provider_id)
    SELECT c.id, p.id FROM companies c, providers p
    WHERE c.legal_name = 'My company' AND p.name = 'Main provider';

INSERT INTO departments (name, shown_in_support, business_hours) VALUES
    ('Sales', TRUE, 'mon=09:00-18:00;tue=09:00-18:00;wed=09:00-18:00;thu=09:00-18:00;fri=09:00-18:00;sat=;sun='),
    ('Technical support', TRUE, 'mon=00:00-24:00;tue=00:00-24:00;wed=00:00-24:00;thu=00:00-24:00;fri=00:00-24:00;sat=00:00-24:00;sun=00:00-24:00');
