DROP INDEX clients_enabled;
DROP INDEX payments_amount;
