// Package testserver holds what the test kit's server launchers (testkit/pgtest and
// testkit/natstest) share: the watchdog process that stops a throwaway server when the test
// binary exits, however it exits; the environment variables that name a server of one's own or
// require one; free ports and the tails of server logs for error messages.
package testserver
