-- The mail templates staff have edited: one per notice and language, and optionally one
-- per provider besides. A notice without a row here is written with the text billpanel
-- ships (templates/mail/<language>/<notice>.txt); deleting the row restores it.
CREATE TABLE mail_templates (
    id INTEGER PRIMARY KEY,
    notice TEXT NOT NULL,
    language TEXT NOT NULL,
    provider_id BIGINT REFERENCES providers (id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_by BIGINT REFERENCES employees (id) ON DELETE SET NULL,
    updated_at TIMESTAMP NOT NULL
);
-- One template for all providers (provider_id NULL, read as 0 here) and one per provider.
CREATE UNIQUE INDEX mail_templates_one ON mail_templates (notice, language, COALESCE(provider_id, 0));
-- A client's language was free text; mail is written in English or Russian, and the forms
-- now offer those. Russian in any spelling (RU, ru-RU) becomes ru, anything else en.
UPDATE clients SET language = CASE WHEN lower(language) LIKE 'ru%' THEN 'ru' ELSE 'en' END
WHERE language NOT IN ('en', 'ru');
