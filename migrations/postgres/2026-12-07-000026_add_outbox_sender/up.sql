-- The From of a message when it is not the server's (BILLPANEL_MAIL_FROM): mail written for
-- a provider with a notification address goes out from "Provider <address>".
ALTER TABLE outbox ADD COLUMN sender TEXT NOT NULL DEFAULT '';
