-- Migration 0010 rebuilds the SQLite outbox table without AUTOINCREMENT (see migrations/sqlite),
-- whose counter cost every enqueueing transaction a page. PostgreSQL keeps its layout: its
-- identity sequence logs a value only once every 32 it hands out. This file keeps the migrations
-- of both dialects numbered alike.
SELECT 1
