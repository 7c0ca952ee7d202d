-- The members of the groups of processes that balance projection leases among themselves
-- (projection.Balancer): a row per live member, renewed by its heartbeats until expires_at.
CREATE TABLE IF NOT EXISTS pyfly_members (
    group_name VARCHAR(255) NOT NULL,
    member     VARCHAR(255) NOT NULL,
    expires_at TIMESTAMPTZ  NOT NULL,
    CONSTRAINT pyfly_members_pkey PRIMARY KEY (group_name, member)
);

--bun:split

-- The partition of an aggregate among n (projection.PartitionOf): the 32-bit FNV-1a hash of the
-- id's UTF-8 bytes, modulo n. A partitioned projection's reads filter on it in the database.
CREATE OR REPLACE FUNCTION pyfly_partition(id TEXT, n INTEGER) RETURNS INTEGER
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    b BYTEA := convert_to(id, 'UTF8');
    h BIGINT := 2166136261;
BEGIN
    FOR i IN 0 .. length(b) - 1 LOOP
        h := ((h # get_byte(b, i)) * 16777619) & 4294967295;
    END LOOP;
    RETURN (h % n)::INTEGER;
END
$$;
