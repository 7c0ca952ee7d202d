package main

import (
	"context"
	"errors"
	"flag"
	"io"
)

// command runs one subcommand with its arguments (after its name).
type command func(ctx context.Context, g *globals, args []string, out *printer) error

// commands maps each command's name to its function.
func commands() map[string]command {
	return map[string]command{
		"migrate":      runMigrate,
		"aggregates":   runAggregates,
		"events":       runEvents,
		"tail":         runTail,
		"projections":  runProjections,
		"projection":   runProjection,
		"outbox":       runOutbox,
		"dead-letters": runDeadLetters,
		"horizon":      runHorizon,
		"health":       runHealth,
		"renumber":     runRenumber,
	}
}

// dispatch reads the global flags before the command's name and runs it.
func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var g globals
	fs := newFlags("esctl", &g)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		printUsage(stdout)
		return nil
	}
	if err != nil {
		return usagef("%v", err)
	}
	rest := fs.Args()
	if len(rest) == 0 {
		printUsage(stderr)
		return reported{exitUsage}
	}
	name, rest := rest[0], rest[1:]
	if name == "help" {
		printUsage(stdout)
		return nil
	}
	cmd, ok := commands()[name]
	if !ok {
		return usagef("unknown command %s", cell(name))
	}
	err = cmd(ctx, &g, rest, &printer{w: stdout})
	if errors.Is(err, flag.ErrHelp) {
		printUsage(stdout)
		return nil
	}
	return err
}

// withEnv connects, runs f and closes; out prints JSON when --json was given.
func withEnv(ctx context.Context, g *globals, out *printer, f func(e *env) error) error {
	out.json = g.json
	e, err := connect(ctx, g)
	if err != nil {
		return err
	}
	defer e.close()
	return f(e)
}
