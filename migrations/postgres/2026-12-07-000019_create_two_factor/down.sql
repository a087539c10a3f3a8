DROP TABLE settings;
ALTER TABLE departments DROP COLUMN requires_two_factor;
DROP TABLE recovery_codes;
DROP TABLE two_factor;
