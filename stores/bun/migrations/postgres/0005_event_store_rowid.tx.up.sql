-- Migration 0005 rebuilds the SQLite event table around its global position (see
-- migrations/sqlite). PostgreSQL keeps its layout: its tables are heaps in insert order whatever
-- the primary key, and time-ordered event ids already make inserts go to the end of the
-- event_id index. This file keeps the migrations of both dialects numbered alike.
SELECT 1
