// Package natstest gives tests a real NATS server with JetStream: [Start] returns the URL of a
// server shared by the test binary, [StartCluster] a cluster of several nodes for one test, whose
// nodes the test can kill and restart.
//
// On Unix the package starts throwaway servers from the installed nats-server binary, and a
// watchdog process stops each one and removes its files when the test binary exits, however it
// exits. ES_TEST_NATS_URL names an existing server to use instead, and ES_TEST_NATS_CLUSTER_URLS
// the nodes of an existing cluster, on every platform; they are the only way on platforms other
// than Unix. Without a server the tests that ask for one are skipped, unless ES_REQUIRE_NATS=1,
// which makes them fail.
//
// Only tests that want a real server import this package: it brings in nats.go.
package natstest
