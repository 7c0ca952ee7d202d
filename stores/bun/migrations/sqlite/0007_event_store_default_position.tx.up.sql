-- An event inserted without a global position (as pyfly inserts it) takes max(position) + 1
-- from SQLite already: global_position is the table's INTEGER PRIMARY KEY (migration 0005), and
-- recorded_at has a default. This file keeps the migrations of both dialects numbered alike
-- (see migrations/postgres for what PostgreSQL needs).
SELECT 1
