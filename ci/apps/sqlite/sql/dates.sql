-- Date and time functions on fixed dates (no 'now', no local time).
SELECT date('2024-01-31', '+1 month'), date('2024-02-29', '+1 year'), date('2023-03-31', '-1 month', 'start of month');
SELECT datetime(1700000000, 'unixepoch'), strftime('%Y-%m-%d %H:%M:%S %j %w %W %s', '2024-07-04 12:34:56');
SELECT julianday('2000-01-01'), julianday('2024-01-01') - julianday('2023-01-01'), unixepoch('2024-01-01 00:00:00');
SELECT time('12:00:00', '+90 minutes'), datetime('2024-01-01 23:59:59', '+1 second'), date('2024-12-25', 'weekday 0');
SELECT strftime('%H:%M:%f', '2024-01-01 10:20:30.123'), date('2024-01-15', 'start of year', '+45 days'), datetime('2024-03-10 02:30:00', '+1 day', '-1 hour');
SELECT timediff('2024-03-01', '2024-02-01'), date('2023-02-28', '+1 day'), date('2024-02-28', '+1 day');
