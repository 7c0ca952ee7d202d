package main

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/gofly/eventsourcing/config"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// env is what a command works with: the configuration and the Admin of the stores.
type env struct {
	cfg   config.Config
	admin *bunstore.Admin
	dbs   []*bun.DB
}

// close closes the databases.
func (e *env) close() {
	for _, db := range e.dbs {
		_ = db.Close()
	}
}

// loadConfig reads the configuration as the module does: --config (else PYFLY_CONFIG or
// ./application.yaml when present), then the PYFLY_* environment.
func loadConfig(g *globals) (config.Config, error) {
	var opts []config.Option
	if g.config != "" {
		opts = append(opts, config.WithFile(g.config))
	}
	return config.Load(opts...)
}

// target is a database URL and what gave it, for errors.
type target struct {
	url  string
	key  string // the configuration key, "" for --url or the default
	flag bool   // given with --url
}

// targets resolves the events' database and the projections' (the same unless
// projection.checkpoint.url names another).
func targets(cfg config.Config, g *globals) (events, checkpoints target, err error) {
	switch {
	case g.url != "":
		events = target{url: g.url, flag: true}
	case cfg.Store.Provider != config.ProviderBun:
		return events, checkpoints, &config.Error{Key: config.Root + ".store.provider",
			Reason: fmt.Sprintf("is %s: the events live in the application's memory, where esctl cannot read them; "+
				"set it to bun with a store.url in the configuration, or give --url", cfg.Store.Provider)}
	default:
		r := cfg.StoreURL()
		events = target{url: r.URL, key: r.Key}
	}
	checkpoints = events
	if cfg.CheckpointProvider() == config.ProviderBun && cfg.Projection.Checkpoint.URL != "" {
		r := cfg.CheckpointURL()
		checkpoints = target{url: r.URL, key: r.Key}
	}
	return events, checkpoints, nil
}

// open connects to t's database; an error about a configured URL names its key. A URL that
// reads but whose database cannot be opened gives an *unreachable error.
func open(ctx context.Context, t target) (*bun.DB, error) {
	db, err := bunstore.Open(ctx, t.url)
	if err == nil {
		return db, nil
	}
	if t.flag {
		err = fmt.Errorf("--url: %w", err)
	} else {
		key := t.key
		if key == "" {
			key = config.Root + ".store.url (unset: the default " + config.DefaultURL + ")"
		}
		err = &config.Error{Key: key, Reason: "cannot be opened", Err: err}
	}
	if src, perr := bunstore.Parse(t.url); perr == nil {
		return nil, &unreachable{dialect: src.Dialect(), err: err}
	}
	return nil, err
}

// unreachable is the error of a database whose URL reads but which cannot be opened (down,
// refusing the login, a file that cannot be created): a health report says so as its verdict.
type unreachable struct {
	dialect bunstore.Dialect
	err     error
}

func (u *unreachable) Error() string { return u.err.Error() }
func (u *unreachable) Unwrap() error { return u.err }

// connect loads the configuration and opens the Admin of the stores.
func connect(ctx context.Context, g *globals) (*env, error) {
	cfg, err := loadConfig(g)
	if err != nil {
		return nil, err
	}
	evT, cpT, err := targets(cfg, g)
	if err != nil {
		return nil, err
	}
	e := &env{cfg: cfg}
	events, err := open(ctx, evT)
	if err != nil {
		return nil, err
	}
	e.dbs = append(e.dbs, events)
	opts := []bunstore.AdminOption{bunstore.WithStallThreshold(cfg.Health.ProjectionStall)}
	if cpT.url != evT.url {
		cps, err := open(ctx, cpT)
		if err != nil {
			e.close()
			return nil, err
		}
		e.dbs = append(e.dbs, cps)
		opts = append(opts, bunstore.WithCheckpointDB(cps))
	}
	if e.admin, err = bunstore.NewAdmin(events, opts...); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}
