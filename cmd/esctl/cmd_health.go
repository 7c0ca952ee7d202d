package main

import (
	"context"
	"errors"
	"strings"

	"github.com/gofly/eventsourcing/health"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// runHealth: esctl health.
func runHealth(ctx context.Context, g *globals, args []string, out *printer) error {
	fs := newFlags("health", g)
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs("health", rest, 0, ""); err != nil {
		return err
	}
	err = withEnv(ctx, g, out, func(e *env) error {
		c, err := health.NewChecker(e.admin, e.cfg.Health.Config)
		if err != nil {
			return err
		}
		return showReport(out, c.Report(ctx), e.admin.Dialect())
	})
	// A database that cannot be opened is the store's check failing: an unhealthy report, as
	// the checker gives for a store it cannot ping.
	var u *unreachable
	if errors.As(err, &u) {
		return showReport(out, health.UnreachableReport(u), u.dialect)
	}
	return err
}

// showReport prints r (JSON with --json) and gives the exit code of an unhealthy one.
func showReport(out *printer, r health.Report, d bunstore.Dialect) error {
	if out.json {
		if err := out.jsonLine(r); err != nil {
			return err
		}
	} else if err := printReport(out, r, d); err != nil {
		return err
	}
	if !r.Healthy {
		return reported{exitUnhealthy}
	}
	return nil
}

// printReport writes the report for people: one line per check, its problems and notes below.
func printReport(out *printer, r health.Report, d bunstore.Dialect) error {
	verdict := "healthy"
	if !r.Healthy {
		verdict = "UNHEALTHY"
	}
	if err := out.linef("%s (%s, %s)", verdict, d, when(r.CheckedAt)); err != nil {
		return err
	}
	for _, c := range r.Checks {
		status := "ok  "
		if !c.Healthy {
			status = "FAIL"
		}
		what := string(c.Component)
		if c.Name != "" {
			what += " " + cell(c.Name)
		}
		if err := out.linef("%s %s%s", status, what, summary(c)); err != nil {
			return err
		}
		for _, p := range c.Problems {
			if err := out.linef("       - %s", clean(p)); err != nil {
				return err
			}
		}
		for _, n := range c.Notes {
			if err := out.linef("       note: %s", clean(n)); err != nil {
				return err
			}
		}
	}
	return nil
}

// summary is what a check's line shows of its facts.
func summary(c health.Check) string {
	var parts []string
	switch {
	case c.Projection != nil:
		p := c.Projection
		parts = append(parts, "state "+string(p.State), "position "+itoa(p.Position), "lag "+itoa(p.Lag))
		if p.LeaseHolder != "" {
			parts = append(parts, "lease "+cell(p.LeaseHolder)+" until "+when(p.LeaseExpiresAt))
		}
	case c.Outbox != nil:
		parts = append(parts, "pending "+itoa(c.Outbox.Pending))
		if c.Outbox.Pending > 0 {
			parts = append(parts, "oldest "+age(c.Outbox.OldestPendingAge()))
		}
		parts = append(parts, "dead letters "+itoa(c.Outbox.DeadLetters))
	case c.Horizon != nil:
		parts = append(parts, "newest "+itoa(c.Horizon.NewestPosition), "readable "+itoa(c.Horizon.NewestReadable))
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, ", ")
}
