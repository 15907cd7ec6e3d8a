-- JSON functions.
SELECT json_object('name', 'ukrt', 'version', 1, 'tags', json_array('xen', 'pv', 'rust'));
SELECT json_extract('{"a": {"b": [1, 2, {"c": "deep"}]}}', '$.a.b[2].c'), json_extract('{"x": 1.5}', '$.x') * 2;
SELECT json_array_length('[1, 2, 3, [4, 5]]'), json_type('{"a": null}', '$.a'), json_valid('{bad json'), json_valid('[]');
SELECT key, value, type FROM json_each('{"one": 1, "two": [2, 2], "three": {"t": 3}}') ORDER BY key;
SELECT fullkey, atom FROM json_tree('{"a": [10, {"b": 20}]}') WHERE atom IS NOT NULL;
SELECT json_set('{"a": 1}', '$.b', 2, '$.a', 'one'), json_remove('[1, 2, 3]', '$[1]'), json_insert('{}', '$.k', json('[true]'));
CREATE TABLE docs(id INTEGER PRIMARY KEY, body TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
INSERT INTO docs SELECT i, json_object('id', i, 'even', i % 2 = 0, 'score', i * 1.25) FROM n;
SELECT count(*), sum(json_extract(body, '$.score')) FROM docs WHERE json_extract(body, '$.even');
SELECT json_group_array(id) FROM (SELECT id FROM docs WHERE id % 30 = 0);
SELECT body ->> '$.score', body -> '$.id' FROM docs WHERE id = 7;
