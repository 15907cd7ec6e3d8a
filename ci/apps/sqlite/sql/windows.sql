-- Window functions and common table expressions.
CREATE TABLE sales(region TEXT, month INTEGER, amount INTEGER);
WITH RECURSIVE m(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM m WHERE i < 12)
INSERT INTO sales SELECT r, i, (i * 37 + length(r) * 11) % 50 + 10 FROM m, (SELECT 'north' AS r UNION ALL SELECT 'south' UNION ALL SELECT 'east');
SELECT region, month, amount,
       sum(amount) OVER (PARTITION BY region ORDER BY month) AS running,
       rank() OVER (PARTITION BY region ORDER BY amount DESC) AS rnk,
       lag(amount) OVER (PARTITION BY region ORDER BY month) AS prev,
       round(avg(amount) OVER (PARTITION BY region ORDER BY month ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING), 3) AS smooth
FROM sales WHERE month <= 4 ORDER BY region, month;
SELECT region, sum(amount), dense_rank() OVER (ORDER BY sum(amount) DESC) FROM sales GROUP BY region;
SELECT month, amount, ntile(3) OVER (ORDER BY amount, month), row_number() OVER (ORDER BY amount DESC, month), first_value(amount) OVER w, last_value(amount) OVER w
FROM sales WHERE region = 'east' WINDOW w AS (ORDER BY month ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) ORDER BY month;
SELECT region, month, percent_rank() OVER (PARTITION BY region ORDER BY amount), round(cume_dist() OVER (PARTITION BY region ORDER BY amount), 4) FROM sales WHERE month > 9 ORDER BY region, month;
WITH RECURSIVE fib(a, b, n) AS (SELECT 0, 1, 1 UNION ALL SELECT b, a + b, n + 1 FROM fib WHERE n < 50) SELECT n, a FROM fib WHERE n % 10 = 0;
WITH RECURSIVE tree(id, parent, depth, path) AS (
  SELECT 1, NULL, 0, '1'
  UNION ALL SELECT t.id * 2 + k.k, t.id, t.depth + 1, t.path || '/' || (t.id * 2 + k.k) FROM tree t, (SELECT 0 AS k UNION ALL SELECT 1) k WHERE t.depth < 3)
SELECT depth, count(*), max(path) FROM tree GROUP BY depth;
