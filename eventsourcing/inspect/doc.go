// Package inspect is what the stores tell operators and health checks about the data they keep:
// a summary of each aggregate, each projection's checkpoint, lease and dead letters, each outbox's
// backlog, and the PostgreSQL read horizon. The Bun stores (bunstore.Admin) and the memory stores
// (memory.Inspector) implement [Inspector]; package health builds its report from one, and the
// esctl command prints what they return.
//
// Each type's MarshalJSON writes the form scripts read: snake_case keys, times in RFC 3339 UTC
// (null when unknown), and global positions as strings of decimal digits, because on PostgreSQL
// they can exceed 2^53, beyond what many JSON readers keep exactly.
package inspect
