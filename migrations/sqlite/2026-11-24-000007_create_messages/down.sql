DROP TABLE outbox;
DROP TABLE messages;
