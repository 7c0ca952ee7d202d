-- The members of the groups of processes that balance projection leases among themselves
-- (projection.Balancer): a row per live member, renewed by its heartbeats until expires_at.
CREATE TABLE IF NOT EXISTS pyfly_members (
    group_name VARCHAR(255) NOT NULL,
    member     VARCHAR(255) NOT NULL,
    expires_at TEXT         NOT NULL,
    PRIMARY KEY (group_name, member)
);
