package bunstore

import "strings"

// classifyPG reads a PostgreSQL SQLSTATE and constraint name (pgx and pgdriver alike).
func classifyPG(code, constraint string) driverErr {
	switch {
	case code == "23505":
		return driverErr{kind: uniqueKind(constraint), constraint: constraint}
	case code == "40001" || code == "40P01":
		return driverErr{kind: kindSerialization}
	case code == "42P01":
		return driverErr{kind: kindUndefinedTable}
	case code == "42703":
		return driverErr{kind: kindUndefinedColumn}
	case strings.HasPrefix(code, "22"):
		return driverErr{kind: kindBadData}
	}
	return driverErr{kind: kindOther}
}

func uniqueKind(constraint string) errKind {
	switch {
	case strings.Contains(constraint, "aggregate_id") && strings.Contains(constraint, "sequence"),
		constraint == "pyfly_event_store_aggregate_sequence_key":
		return kindUniqueSequence
	case constraint == "pyfly_event_store_pkey" || strings.HasSuffix(constraint, ".event_id"):
		return kindUniqueEventID
	case strings.Contains(constraint, "global_position"):
		return kindUniquePosition
	default:
		return kindUniqueOther
	}
}
