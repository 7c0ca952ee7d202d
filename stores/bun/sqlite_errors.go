package bunstore

import "strings"

// SQLite result codes (primary code in the low byte).
const (
	sqliteBusy               = 5
	sqliteLocked             = 6
	sqliteConstraintPK       = 1555
	sqliteConstraintUnique   = 2067
	sqliteError              = 1
	sqliteMismatch           = 20
	sqliteConstraintNotNull  = 1299
	sqliteConstraintCheck    = 275
	sqliteConstraintDataType = 3091
)

// classifySQLite reads a SQLite extended result code and message.
func classifySQLite(code int, msg string) driverErr {
	switch {
	case code&0xff == sqliteBusy || code&0xff == sqliteLocked:
		return driverErr{kind: kindBusy}
	case code == sqliteConstraintUnique || code == sqliteConstraintPK:
		// "UNIQUE constraint failed: pyfly_event_store.aggregate_id, pyfly_event_store.sequence".
		// SQLite names the columns, not the constraint: event_id is the primary key of tables
		// from before migration 0005 (SQLITE_CONSTRAINT_PRIMARYKEY) and a unique constraint
		// after it, where global_position is the INTEGER PRIMARY KEY (its clash is
		// SQLITE_CONSTRAINT_PRIMARYKEY too).
		_, cols, _ := strings.Cut(msg, "constraint failed: ")
		cols, _, _ = strings.Cut(cols, " (")
		switch {
		case strings.Contains(cols, ".aggregate_id") && strings.Contains(cols, ".sequence"):
			return driverErr{kind: kindUniqueSequence, constraint: cols}
		case strings.Contains(cols, ".event_id"):
			return driverErr{kind: kindUniqueEventID, constraint: cols}
		case strings.Contains(cols, ".global_position"):
			return driverErr{kind: kindUniquePosition, constraint: cols}
		}
		return driverErr{kind: kindUniqueOther, constraint: cols}
	case code&0xff == sqliteError && strings.Contains(msg, "no such table"):
		return driverErr{kind: kindUndefinedTable}
	case code&0xff == sqliteError && (strings.Contains(msg, "no such column") || strings.Contains(msg, "has no column")):
		return driverErr{kind: kindUndefinedColumn}
	case code == sqliteMismatch || code == sqliteConstraintNotNull || code == sqliteConstraintCheck || code == sqliteConstraintDataType:
		return driverErr{kind: kindBadData}
	}
	return driverErr{kind: kindOther}
}

// outcomeUnknown: SQLite commits in this process; a write's error is its outcome.
func (sqliteDialect) outcomeUnknown(error) bool { return false }
