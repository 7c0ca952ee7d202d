// Package brokertest holds the message brokers that the outbox store suite of package testkit
// relays to: Watermill's Go channel ([GoChannel]) and NATS JetStream through Watermill's NATS
// adapter, on one server ([JetStream], on the server of package testkit/natstest) and on a
// three-node cluster with the stream replicated three times ([JetStreamCluster]). Give them to
// the suite:
//
//	testkit.RunOutboxStoreSuite(t, newTarget, brokertest.All()...)
//
// [CheckMessages] checks the messages a Watermill subscriber receives against the stored events;
// [JetStreamStream] is a JetStream stream of one test, with the publishers an outbox delivers
// through and a check that the stream holds each stored event exactly once, in order per
// aggregate. Only tests that want real brokers import this package: it brings in Watermill and
// nats.go.
package brokertest

import "github.com/gofly/eventsourcing/testkit"

// All returns every broker of the package, in the order the suite runs their cases.
func All() []testkit.OutboxBroker {
	return []testkit.OutboxBroker{GoChannel(), JetStream(), JetStreamCluster()}
}
