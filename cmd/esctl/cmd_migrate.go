package main

import (
	"context"
)

// runMigrate: esctl migrate [--check].
func runMigrate(ctx context.Context, g *globals, args []string, out *printer) error {
	fs := newFlags("migrate", g)
	checkOnly := fs.Bool("check", false, "check that no migration is missing (exit 1 when one is), changing nothing")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs("migrate", rest, 0, ""); err != nil {
		return err
	}
	return withEnv(ctx, g, out, func(e *env) error {
		pending, err := e.admin.PendingMigrations(ctx)
		if err != nil {
			return err
		}
		if *checkOnly {
			if out.json {
				if err := out.jsonLine(map[string]any{"current": len(pending) == 0, "pending": nonNil(pending)}); err != nil {
					return err
				}
			} else if len(pending) == 0 {
				if err := out.linef("schema current: no migration is missing"); err != nil {
					return err
				}
			} else {
				for _, m := range pending {
					if err := out.linef("missing migration %s", m); err != nil {
						return err
					}
				}
				if err := out.linef("run esctl migrate to apply them"); err != nil {
					return err
				}
			}
			if len(pending) > 0 {
				return reported{exitFailure}
			}
			return nil
		}
		if err := e.admin.Migrate(ctx); err != nil {
			return err
		}
		if out.json {
			return out.jsonLine(map[string]any{"applied": nonNil(pending)})
		}
		if len(pending) == 0 {
			return out.linef("schema current: nothing to apply")
		}
		for _, m := range pending {
			if err := out.linef("applied migration %s", m); err != nil {
				return err
			}
		}
		return nil
	})
}

// nonNil is s, or an empty slice (JSON []) for nil.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
