-- Migration 0011 leaves room in the pages of PostgreSQL's outbox table for the relays' claims
-- (see migrations/postgres). SQLite has no such setting: it rewrites a changed page whole. This
-- file keeps the migrations of both dialects numbered alike.
SELECT 1
