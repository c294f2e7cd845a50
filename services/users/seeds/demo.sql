-- Demo data for the seed's curl commands (user 1 exists). Runs once, on the first start.
INSERT INTO users (id, email, name) VALUES
  (1, 'alice@example.com', 'Alice'),
  (2, 'bob@example.com', 'Bob'),
  (3, 'carol@example.com', 'Carol')
ON CONFLICT DO NOTHING;

SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users));
