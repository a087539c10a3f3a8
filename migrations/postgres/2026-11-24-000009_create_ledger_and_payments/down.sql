DROP TABLE ledger_entries;
DROP TABLE payments;
