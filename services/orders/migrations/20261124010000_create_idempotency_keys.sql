-- Idempotency-Key on POST /orders: the first response per (caller, key), and a hash of the
-- request it answered, so a retry gets the same answer and a different body with the same key
-- is refused. In the orders database, so it survives restarts.
CREATE TABLE idempotency_keys (
  scope        TEXT NOT NULL,
  key          TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  response     JSONB NOT NULL,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
