// Package pgtest gives tests a real PostgreSQL server: [Start] creates a fresh database for one
// test on a server shared by the test binary, [NewServer] starts a server for one test alone (to
// crash, restart or reconfigure it).
//
// On Unix the package starts throwaway servers from the installed PostgreSQL binaries
// (/usr/lib/postgresql/*/bin, `pg_config --bindir` or PATH), as an unprivileged user when the
// tests run as root, and a watchdog process stops each one and removes its files when the test
// binary exits, however it exits. ES_TEST_POSTGRES_URL names an existing server to use instead,
// on every platform; it is the only way on platforms other than Unix. Without a server the tests
// that ask for one are skipped, unless ES_REQUIRE_POSTGRES=1, which makes them fail.
//
// Only tests that want a real server import this package: it brings in pgx.
package pgtest
