-- Runs once, when the PostgreSQL container initialises an empty data volume
-- (/docker-entrypoint-initdb.d). One database per service: each service owns its tables, and
-- no service can read another's by accident. The services create their tables themselves, with
-- their own migrations, at start.
-- begin generated databases (npm run deploy:generate)
CREATE DATABASE orders;
CREATE DATABASE products;
CREATE DATABASE users;
-- end generated databases
