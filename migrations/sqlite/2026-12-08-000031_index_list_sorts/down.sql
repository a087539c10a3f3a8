DROP INDEX services_status_id;
DROP INDEX documents_number;
DROP INDEX expenses_amount;
DROP INDEX services_paid_until;
DROP INDEX services_price;
DROP INDEX clients_enabled;
DROP INDEX payments_amount;
