-- The demo's sample "shop" database: users, orders and payments with
-- foreign keys and indexes, generated inside PostgreSQL (generate_series)
-- so that even a large scale loads in seconds per 100 MB, not row by row.
-- About 105 MB of pg_dump output per unit of scale.
-- usage: psql -v scale=N -d shop -f tests/demo-shop.sql
\set ON_ERROR_STOP on

CREATE TABLE users (
	id         integer PRIMARY KEY,
	email      text NOT NULL,
	name       text NOT NULL,
	created_at timestamptz NOT NULL
);

CREATE TABLE orders (
	id          bigint PRIMARY KEY,
	user_id     integer NOT NULL,
	status      text NOT NULL CHECK (status IN ('new', 'paid', 'shipped', 'cancelled')),
	total_cents bigint NOT NULL,
	created_at  timestamptz NOT NULL
);

CREATE TABLE payments (
	id           bigint PRIMARY KEY,
	order_id     bigint NOT NULL,
	method       text NOT NULL,
	amount_cents bigint NOT NULL,
	paid_at      timestamptz NOT NULL
);

-- The arithmetic on i keeps the data deterministic: two runs dump the same
-- rows. Every fourth order is unpaid.
INSERT INTO users
SELECT i, 'user' || i || '@example.com', 'Customer ' || md5(i::text),
       timestamptz '2024-01-01' + i * interval '37 seconds'
FROM generate_series(1, 200000 * :scale) AS i;

INSERT INTO orders
SELECT i, 1 + (i * 7919) % (200000 * :scale),
       (ARRAY['new', 'paid', 'shipped', 'cancelled'])[1 + i % 4],
       100 + (i * 104729) % 50000,
       timestamptz '2024-01-01' + i * interval '11 seconds'
FROM generate_series(1::bigint, 1000000 * :scale) AS i;

INSERT INTO payments
SELECT i, i, (ARRAY['card', 'transfer', 'wallet'])[1 + i % 3],
       100 + (i * 104729) % 50000,
       timestamptz '2024-01-01' + i * interval '11 seconds' + interval '5 minutes'
FROM generate_series(1::bigint, 1000000 * :scale) AS i
WHERE i % 4 <> 0;

-- Keys and indexes after the data, as pg_dump orders them: faster to build.
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users;
ALTER TABLE payments ADD CONSTRAINT payments_order_id_fkey FOREIGN KEY (order_id) REFERENCES orders;
CREATE INDEX orders_user_id_idx ON orders (user_id);
CREATE INDEX orders_created_at_idx ON orders (created_at);
CREATE INDEX payments_order_id_idx ON payments (order_id);
ANALYZE;
