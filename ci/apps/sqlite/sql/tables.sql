-- A 20,000-row table, indexes, joins, aggregates, subqueries.
CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT, joined INTEGER);
CREATE TABLE orders(id INTEGER PRIMARY KEY, customer INTEGER REFERENCES customers(id), amount REAL, item TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
INSERT INTO customers SELECT i, 'customer-' || i, CASE i % 5 WHEN 0 THEN 'Oslo' WHEN 1 THEN 'Lima' WHEN 2 THEN 'Pune' WHEN 3 THEN 'Kyiv' ELSE 'Riga' END, 1600000000 + i * 86400 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO orders SELECT i, 1 + (i * 7919) % 500, ((i * 104729) % 100000) / 100.0, 'item-' || (i % 37) FROM n;
SELECT count(*), sum(amount), round(avg(amount), 4), min(amount), max(amount) FROM orders;
CREATE INDEX orders_customer ON orders(customer);
CREATE INDEX orders_item_amount ON orders(item, amount);
SELECT c.city, count(*) AS n, round(sum(o.amount), 2) AS total FROM orders o JOIN customers c ON c.id = o.customer GROUP BY c.city ORDER BY total DESC;
SELECT c.name, count(o.id) AS orders FROM customers c LEFT JOIN orders o ON o.customer = c.id GROUP BY c.id ORDER BY orders DESC, c.id LIMIT 5;
SELECT item, count(*), round(max(amount) - min(amount), 2) FROM orders WHERE item IN ('item-1', 'item-2', 'item-36') GROUP BY item;
SELECT id, amount FROM orders WHERE amount > (SELECT avg(amount) * 1.99 FROM orders) ORDER BY amount DESC, id LIMIT 5;
EXPLAIN QUERY PLAN SELECT * FROM orders WHERE customer = 42;
UPDATE orders SET amount = amount * 2 WHERE customer % 100 = 0;
DELETE FROM orders WHERE id % 1000 = 0;
SELECT changes(), total_changes(), count(*) FROM orders;
SELECT typeof(1), typeof(1.5), typeof('x'), typeof(x'00'), typeof(NULL), 7 / 2, 7 / 2.0, 7 % 3, -7 / 2;
SELECT printf('%5.2f|%-8s|%08d|%x|%e', 3.14159, 'ab', 42, 255, 12345.678), upper('mixed Case'), length('héllo'), substr('abcdef', 2, 3), replace('a-b-c', '-', '+'), instr('hello', 'll'), hex('AB'), quote('it''s');
SELECT group_concat(name, ',') FROM (SELECT name FROM customers ORDER BY id LIMIT 4);
BEGIN; INSERT INTO customers VALUES(1000, 'temp', 'Nowhere', 0); ROLLBACK;
SELECT count(*) FROM customers WHERE id = 1000;
SELECT abs(-5), max(3, 9, 1), min('b', 'a'), coalesce(NULL, NULL, 'third'), nullif(1, 1), iif(1 < 2, 'yes', 'no'), round(2.5), round(-2.5), round(1.23456, 3);
