DELETE FROM department_grants WHERE permission LIKE 'support.%';
DROP TABLE canned_replies;
DROP TABLE ticket_messages;
DROP TABLE tickets;
ALTER TABLE departments DROP COLUMN response_hours;
