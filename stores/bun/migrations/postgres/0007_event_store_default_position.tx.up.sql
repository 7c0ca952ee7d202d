-- An event inserted without a global position (as pyfly's first generation inserts it, knowing
-- nothing of the column, or its newer generation's head-row strategy) takes one from the
-- database, as the store's own appends do: its transaction's id × 2^20 plus one more than the
-- highest position that transaction has given so far. Readers see it below the read horizon
-- like any other event, so the global stream never skips it, and it follows the events of the
-- transactions that took their ids before. The store's appends always set the column: this
-- default is never evaluated for them. Adopting a table of pyfly's runs this file too.
CREATE OR REPLACE FUNCTION pyfly_event_store_position() RETURNS BIGINT
LANGUAGE plpgsql VOLATILE
SET search_path FROM CURRENT
AS $$
DECLARE
    base BIGINT := pg_current_xact_id()::text::bigint * 1048576;
    last BIGINT;
BEGIN
    SELECT max(global_position) INTO last FROM pyfly_event_store
        WHERE global_position >= base AND global_position < base + 1048576;
    IF last IS NULL THEN
        RETURN base + 1;
    END IF;
    IF last + 1 >= base + 1048576 THEN
        RAISE EXCEPTION 'a transaction stores at most 1048575 events in pyfly_event_store' USING ERRCODE = '54000';
    END IF;
    RETURN last + 1;
END
$$;

--bun:split

ALTER TABLE pyfly_event_store ALTER COLUMN global_position SET DEFAULT pyfly_event_store_position();
