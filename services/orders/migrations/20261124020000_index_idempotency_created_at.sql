-- Keys expire by age (src/key-expiry.ts): the sweep finds old ones by creation time.
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
