-- Demo data for the seed's curl commands (product 100 exists). Runs once, on the first start.
INSERT INTO products (id, name, price, stock) VALUES
  (100, 'Widget', 99.99, 1000),
  (101, 'Gadget', 24.50, 500),
  (102, 'Gizmo', 5.00, 0)
ON CONFLICT DO NOTHING;

SELECT setval(pg_get_serial_sequence('products', 'id'), (SELECT max(id) FROM products));
