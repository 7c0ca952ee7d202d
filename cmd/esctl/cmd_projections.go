package main

import (
	"context"

	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/internal/check"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// runProjections: esctl projections.
func runProjections(ctx context.Context, g *globals, args []string, out *printer) error {
	fs := newFlags("projections", g)
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs("projections", rest, 0, ""); err != nil {
		return err
	}
	return withEnv(ctx, g, out, func(e *env) error {
		ps, err := e.admin.Projections(ctx)
		if err != nil {
			return err
		}
		if out.json {
			for _, p := range ps {
				if err := out.jsonLine(p); err != nil {
					return err
				}
			}
			return nil
		}
		if len(ps) == 0 {
			return out.linef("no projections: no checkpoint and no dead letter is stored")
		}
		rows := make([][]string, len(ps))
		for i, p := range ps {
			rows[i] = []string{p.Name, itoa(int64(p.Version)), text(p.Role), itoa(p.Position), itoa(p.Lag), string(p.State), text(p.LeaseHolder),
				when(p.LeaseExpiresAt), itoa(p.DeadLetters)}
		}
		return out.table([]string{"NAME", "VERSION", "ROLE", "POSITION", "LAG", "STATE", "LEASE HOLDER", "LEASE EXPIRES", "DEAD LETTERS"}, rows)
	})
}

// runProjection: esctl projection reset NAME [--version N] [--to POSITION] [--force], and esctl
// projection retire NAME --version N [--force].
func runProjection(ctx context.Context, g *globals, args []string, out *printer) error {
	const usage = "projection takes the subcommand reset or retire: esctl projection reset NAME [--version N] [--to POSITION] [--force], " +
		"esctl projection retire NAME --version N [--force]"
	if len(args) > 0 && args[0] == "retire" {
		return runProjectionRetire(ctx, g, args[1:], out)
	}
	fs := newFlags("projection reset", g)
	to := fs.Int64("to", 0, "the position the checkpoint goes back to: 0 (the start) or the position of an event")
	force := fs.Bool("force", false, "reset even while a runner holds the projection's lease: it notices and replays")
	version := fs.Int("version", projection.DefaultVersion, "the projection's version whose checkpoint goes back")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 || rest[0] != "reset" {
		return usagef("%s", usage)
	}
	if err := wantArgs("projection reset", rest[1:], 1, "a projection name"); err != nil {
		return err
	}
	if *to < 0 {
		return usagef("projection reset: --to is a position, 0 or more, got %d", *to)
	}
	if *version < 1 || *version > projection.MaxVersion {
		return usagef("projection reset: --version is from 1 to %d, got %d", projection.MaxVersion, *version)
	}
	name := projection.CheckpointName(rest[1], *version)
	return withEnv(ctx, g, out, func(e *env) error {
		from, err := e.admin.ResetProjection(ctx, name, *to, *force)
		if err != nil {
			return err
		}
		if out.json {
			return out.jsonLine(struct {
				Name string `json:"name"`
				From int64  `json:"from,string"`
				To   int64  `json:"to,string"`
			}{name, from, *to})
		}
		return out.linef("projection %s: checkpoint moved from %d to %d; its runner applies the events after %d again",
			cell(check.Clip(name, 300)), from, *to, *to)
	})
}

// runProjectionRetire: esctl projection retire NAME --version N [--force].
func runProjectionRetire(ctx context.Context, g *globals, args []string, out *printer) error {
	fs := newFlags("projection retire", g)
	version := fs.Int("version", 0, "the version to retire (required): one another version took over from")
	force := fs.Bool("force", false, "retire even while a runner holds the version's lease")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs("projection retire", rest, 1, "a projection name"); err != nil {
		return err
	}
	if *version < 1 || *version > projection.MaxVersion {
		return usagef("projection retire: --version is required, from 1 to %d, got %d", projection.MaxVersion, *version)
	}
	name := rest[0]
	return withEnv(ctx, g, out, func(e *env) error {
		r, err := e.admin.RetireProjection(ctx, name, *version, *force)
		if err != nil {
			return err
		}
		if out.json {
			return out.jsonLine(struct {
				Name        string `json:"name"`
				Version     int    `json:"version"`
				Checkpoint  string `json:"checkpoint"`
				Position    *int64 `json:"position,string"`
				DeadLetters int64  `json:"dead_letters"`
			}{name, *version, r.Checkpoint, positionOf(r), r.DeadLetters})
		}
		at := "no checkpoint"
		if r.HadCheckpoint {
			at = "checkpoint at " + itoa(r.Position)
		}
		return out.linef("projection %s version %d retired: %s, %d dead letters deleted",
			cell(check.Clip(name, 300)), *version, at, r.DeadLetters)
	})
}

// positionOf is a retired version's checkpoint position, nil when it had none.
func positionOf(r bunstore.Retired) *int64 {
	if !r.HadCheckpoint {
		return nil
	}
	return &r.Position
}
