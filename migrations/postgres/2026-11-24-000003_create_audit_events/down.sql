DROP TABLE sign_in_throttles;
DROP TABLE audit_events;
