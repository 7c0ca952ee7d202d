//go:build !unix

package testkit

import "errors"

// localNATS reports that a local server cannot be started on this system.
var localNATS natsServer

type natsServer struct{}

func (natsServer) url() (string, error) {
	return "", errors.New("testkit: a local nats-server is started on Unix systems only; set " + envNATSURL + " to the URL of a server with JetStream")
}
