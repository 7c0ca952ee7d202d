package bunstore

// membershipSQL holds the statements of the membership; each reads the database's clock.
type membershipSQL struct {
	// beat: (group, member, ttl): records the member as live until ttl from now.
	beat string
	// live: (group): the group's live members, sorted.
	live string
	// purge: (group): deletes the group's expired members.
	purge string
	// leave: (group, member).
	leave string
}

// membershipsDialect is what the membership needs from a dialect.
type membershipsDialect interface {
	membershipSQL() membershipSQL
}

func (postgresDialect) membershipSQL() membershipSQL {
	return membershipSQL{
		beat: `INSERT INTO pyfly_members (group_name, member, expires_at)
VALUES ($1, $2, clock_timestamp() + $3::bigint * interval '1 microsecond')
ON CONFLICT (group_name, member) DO UPDATE SET expires_at = EXCLUDED.expires_at`,
		live:  `SELECT member FROM pyfly_members WHERE group_name = $1 AND expires_at > clock_timestamp() ORDER BY member COLLATE "C"`,
		purge: `DELETE FROM pyfly_members WHERE group_name = $1 AND expires_at <= clock_timestamp()`,
		leave: `DELETE FROM pyfly_members WHERE group_name = $1 AND member = $2`,
	}
}

func (sqliteDialect) membershipSQL() membershipSQL {
	return membershipSQL{
		beat: `INSERT INTO pyfly_members (group_name, member, expires_at) VALUES (?1, ?2, ` + sqliteNowPlus(3) + `)
ON CONFLICT (group_name, member) DO UPDATE SET expires_at = excluded.expires_at`,
		live:  `SELECT member FROM pyfly_members WHERE group_name = ?1 AND expires_at > ` + sqliteNow + ` ORDER BY member`,
		purge: `DELETE FROM pyfly_members WHERE group_name = ?1 AND expires_at <= ` + sqliteNow,
		leave: `DELETE FROM pyfly_members WHERE group_name = ?1 AND member = ?2`,
	}
}
