package bunstore

import "fmt"

// SchemaFix says what resolves a [SchemaError].
type SchemaFix int

const (
	// FixMigrate: migrating resolves it ([Migrate], the auto-migrate option): the table or
	// column is missing, or the table is one pyfly made, which migrating adopts in place.
	FixMigrate SchemaFix = iota
	// FixByHand: the table is in a layout neither this module nor pyfly writes, which migrating
	// cannot upgrade: rename it (migrating then creates the table anew) or fix it by hand.
	FixByHand
)

// SchemaError is the error of a table the stores cannot use as it is. It matches [ErrSchema]
// with errors.Is, and its message names the table, the column at fault and what to run.
type SchemaError struct {
	// Table is the table at fault.
	Table string
	// Column is the column at fault; "" when the table itself is missing.
	Column string
	// Problem says what is wrong, in words that follow the table's name ("does not exist",
	// "has no column global_position").
	Problem string
	// Fix says what resolves it.
	Fix SchemaFix
	// Err is the driver's error when one told of the problem, else nil.
	Err error
}

// Error reads "bunstore: schema missing: table <table> <problem>; <what to run>".
func (e *SchemaError) Error() string {
	msg := fmt.Sprintf("%s: table %s %s; %s", ErrSchema, e.Table, e.Problem, e.Advice())
	if e.Err != nil {
		msg += " (" + e.Err.Error() + ")"
	}
	return msg
}

// Advice says what to run, as the message ends: for [FixMigrate], to run bunstore.Migrate or
// enable the auto-migrate option.
func (e *SchemaError) Advice() string {
	if e.Fix == FixByHand {
		return "rename the table (migrating then creates it anew) or make it match the migrations in stores/bun/migrations by hand"
	}
	return "run bunstore.Migrate or enable the auto-migrate option"
}

// Is reports whether target is [ErrSchema].
func (e *SchemaError) Is(target error) bool { return target == ErrSchema }

// Unwrap returns the driver's error, if any.
func (e *SchemaError) Unwrap() error { return e.Err }
