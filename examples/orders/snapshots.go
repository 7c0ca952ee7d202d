package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// snapshotLog notes the snapshots the repository takes and uses in one run. The repository
// takes them by itself (the module's RepositoryOptions carry the snapshot store at
// pyfly.eventsourcing.snapshot.interval); the log only looks at the snapshot store around the
// saves and loads.
type snapshotLog struct {
	store    es.SnapshotStore
	interval int
	taken    []string
	used     []string
}

// saved notes a snapshot that o's save, from version from, took.
func (l *snapshotLog) saved(ctx context.Context, o *Order, from int64) error {
	snap, ok, err := l.store.Load(ctx, o.ID)
	if err != nil {
		return err
	}
	if ok && snap.Sequence == o.Version && snap.Sequence > from {
		l.taken = append(l.taken, fmt.Sprintf("%s at version %d", o.ID, snap.Sequence))
	}
	return nil
}

// load loads id through repo and notes whether a snapshot was its starting point.
func (l *snapshotLog) load(ctx context.Context, repo *es.Repository[*Order], id string) (*Order, error) {
	snap, ok, err := l.store.Load(ctx, id)
	if err != nil {
		return nil, err
	}
	o, err := repo.Load(ctx, id)
	if err != nil {
		return nil, err
	}
	if ok && snap.Sequence <= o.Version {
		l.used = append(l.used, fmt.Sprintf("%s from its snapshot at version %d and %s after it",
			id, snap.Sequence, plural(int(o.Version-snap.Sequence), "event")))
	}
	return o, nil
}

// print says which snapshots were taken and used.
func (l *snapshotLog) print(out io.Writer) {
	list := func(items []string) string {
		if len(items) == 0 {
			return "none"
		}
		return strings.Join(items, ", ")
	}
	fmt.Fprintf(out, "Snapshots (one each time a save crosses a multiple of %d, pyfly.eventsourcing.snapshot.interval):\n", l.interval)
	fmt.Fprintf(out, "  taken: %s\n", list(l.taken))
	fmt.Fprintf(out, "  loaded: %s\n", list(l.used))
}
