// Package depstest stands for an application's test package that imports testkit for a
// Given/When/Then test of an aggregate, and nothing else of this module but the core. Its test
// checks that building it builds none of pgx, nats.go, Bun or Watermill: testkit keeps to the
// core's dependencies, and real servers and brokers stay in its sub-packages.
package depstest
