package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// globals are the flags every command takes, before or after its name.
type globals struct {
	config string
	url    string
	json   bool
}

// register adds the global flags to fs, keeping the values given before the command.
func (g *globals) register(fs *flag.FlagSet) {
	fs.StringVar(&g.config, "config", g.config, "the YAML configuration file (default ./application.yaml when there is one, or $PYFLY_CONFIG)")
	fs.StringVar(&g.url, "url", g.url, "the event store's database URL, overriding the configuration's")
	fs.BoolVar(&g.json, "json", g.json, "print JSON (one object per line for lists) instead of tables")
}

// newFlags returns a flag set for a command that reports errors as usage errors and prints
// nothing itself.
func newFlags(name string, g *globals) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	g.register(fs)
	return fs
}

// parse reads args into fs, flags and arguments in any order ("--" ends the flags), and returns
// the arguments. -h and --help give an error matching flag.ErrHelp.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("%s: %v", fs.Name(), err)
		}
		left := fs.Args()
		if consumed := len(args) - len(left); consumed > 0 && args[consumed-1] == "--" {
			return append(rest, left...), nil
		}
		if len(left) == 0 {
			break
		}
		rest, args = append(rest, left[0]), left[1:]
	}
	return rest, nil
}

// wantArgs checks the number of arguments of a command.
func wantArgs(name string, args []string, n int, what string) error {
	if len(args) != n {
		if n == 0 {
			return usagef("%s takes no arguments, got %q", name, args)
		}
		return usagef("%s needs %s, got %d arguments", name, what, len(args))
	}
	return nil
}

// usageText lists the commands.
const usageText = `esctl inspects and repairs the stores of gofly event sourcing.

Usage:
  esctl [--config FILE] [--url URL] [--json] COMMAND [ARGS]

Commands:
  migrate [--check]                                     apply the migrations, or check that none is missing (exit 1)
  aggregates [--type T] [--limit N]                     aggregates with their type, version and last event time
  events AGGREGATE_ID [--from-sequence N]               an aggregate's events (exit 3 when it has none)
  tail [--from POSITION] [--follow]                     the global stream after a position; --follow waits for more
  projections                                           checkpoints, versions, lag, state, lease and dead letters
  projection reset NAME [--version N] [--to POSITION] [--force]  move a checkpoint back (to 0 by default)
  projection retire NAME --version N [--force]          delete a superseded version's checkpoint and dead letters
  outbox [--name N]                                     pending records, the oldest one's age, dead letters
  outbox replay --from POSITION [--to POSITION] [--name N]  publish the events after a position again
  dead-letters [--outbox N | --projection N] [--limit N]  list dead letters
  dead-letters retry ID [--outbox N | --projection N]   bring a dead letter back
  dead-letters retry-all (--outbox N | --projection N)  bring every dead letter of one back, in their order
  dead-letters skip ID [--outbox N | --projection N] [--by WHO]  give a dead letter up for good (who: the OS user)
  dead-letters --skipped [--outbox N | --projection N]  the dead letters skipped, by whom and when
  horizon                                               PostgreSQL: the read horizon and the transaction holding it
  health                                                the health report (exit 4 when unhealthy)
  renumber --confirm                                    PostgreSQL: renumber positions after a restore into a new server

Global flags (before or after the command):
  --config FILE   the YAML configuration (default ./application.yaml when present, or $PYFLY_CONFIG)
  --url URL       the event store's database URL, overriding the configuration's
  --json          JSON instead of tables

Exit codes: 0 success, 1 failure, 2 usage error, 3 not found, 4 unhealthy.
`

// printUsage writes the usage text.
func printUsage(w io.Writer) { fmt.Fprint(w, usageText) }
