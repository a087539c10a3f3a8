DROP TABLE user_invitations;
DROP TABLE pending_registrations;
