package bunstore

import (
	"context"
	"slices"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

var _ projection.CheckpointCatalog = (*CheckpointStore)(nil)

// idb is the transaction in ctx on the store's DB, or the DB.
func (s *CheckpointStore) idb(ctx context.Context) bun.IDB {
	if st := ambient(ctx, s.db); st != nil {
		return st.tx
	}
	return s.db
}

// CheckpointNames implements projection.CheckpointCatalog: the checkpoints whose names start
// with prefix, sorted by byte order. It reads through the transaction in ctx, if any.
func (s *CheckpointStore) CheckpointNames(ctx context.Context, prefix string) ([]string, error) {
	if len(prefix) > projection.MaxNameBytes || !utf8.ValidString(prefix) {
		return nil, storekit.InvalidArgument("checkpoint prefix: at most %d bytes of UTF-8, got %d bytes", projection.MaxNameBytes, len(prefix))
	}
	var out []string
	err := s.idb(ctx).NewRaw(`SELECT projection FROM `+checkpointTable+` WHERE substr(projection, 1, ?) = ?`,
		utf8.RuneCountInString(prefix), prefix).Scan(ctx, &out)
	if err != nil {
		return nil, wrapErr(ctx, "list checkpoints", checkpointTable, err)
	}
	slices.Sort(out)
	return out, nil
}

// DeleteCheckpoint implements projection.CheckpointCatalog; it joins the transaction in ctx.
func (s *CheckpointStore) DeleteCheckpoint(ctx context.Context, name string) error {
	if err := storekit.ValidateCheckpointName(name); err != nil {
		return err
	}
	if _, err := s.idb(ctx).NewRaw(`DELETE FROM `+checkpointTable+` WHERE projection = ?`, name).Exec(ctx); err != nil {
		return wrapErr(ctx, "delete checkpoint", checkpointTable, err)
	}
	return nil
}
