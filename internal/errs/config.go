package errs

// ConfigError reports a bad field of a runtime component's configuration (outbox.Config,
// projection.Config): it names the field and says what is valid. It matches [InvalidArgument]
// with errors.Is, and reads "eventsourcing: invalid argument: outbox.Config.BatchSize: <reason>",
// or names the option that set the field ("outbox.WithBatchSize: <reason>").
type ConfigError struct {
	// Config names the configuration type: "outbox.Config".
	Config string
	// Field is the field at fault: "BatchSize".
	Field string
	// Option is the option that set the field ("outbox.WithBatchSize"), or "" when the Config
	// itself did.
	Option string
	// Reason says what is wrong and what is valid: "must be from 1 to 10000, got 0".
	Reason string
}

// Error returns the message: the sentinel's text, the option or field, and the reason.
func (e *ConfigError) Error() string {
	where := e.Option
	if where == "" {
		where = e.Config + "." + e.Field
	}
	return InvalidArgument.Error() + ": " + where + ": " + e.Reason
}

// Is reports whether target is [InvalidArgument].
func (e *ConfigError) Is(target error) bool { return target == InvalidArgument }

// FieldCheck is one field of a configuration to check; [Check] makes one.
type FieldCheck struct {
	name    string
	set     bool
	problem string
}

// Check returns the check of the field name: whether it is set (a zero field means its
// default, which is valid), and what is wrong with its value ("" when nothing is).
func Check(name string, set bool, problem string) FieldCheck {
	return FieldCheck{name: name, set: set, problem: problem}
}

// CheckFields returns a *[ConfigError] about the first of checks whose field is set and has a
// problem, nil when none has. config names the configuration type ("outbox.Config").
func CheckFields(config string, checks ...FieldCheck) error {
	for _, f := range checks {
		if f.set && f.problem != "" {
			return &ConfigError{Config: config, Field: f.name, Reason: f.problem}
		}
	}
	return nil
}

// OptionError returns a *[ConfigError] about option, which sets field of config, when problem
// is not "", and nil otherwise.
func OptionError(config, option, field, problem string) error {
	if problem == "" {
		return nil
	}
	return &ConfigError{Config: config, Field: field, Option: option, Reason: problem}
}
