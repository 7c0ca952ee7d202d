// Package natstest gives tests a real NATS server with JetStream: [Start] returns the URL of a
// server shared by the test binary.
//
// On Unix the package starts a throwaway server from the installed nats-server binary, and a
// watchdog process stops it and removes its files when the test binary exits, however it exits.
// ES_TEST_NATS_URL names an existing server to use instead, on every platform; it is the only way
// on platforms other than Unix. Without a server the tests that ask for one are skipped, unless
// ES_REQUIRE_NATS=1, which makes them fail.
//
// Only tests that want a real server import this package: it brings in nats.go.
package natstest
