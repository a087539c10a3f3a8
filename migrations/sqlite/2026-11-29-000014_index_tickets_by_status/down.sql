DROP INDEX tickets_status;
