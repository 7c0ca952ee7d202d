package config

import (
	"fmt"
	"strings"
)

// Validate checks c and normalises it: providers are trimmed and lower-cased, sqlalchemy becomes
// bun, a blank destination becomes pyfly.events. An unknown provider is an *[Error] (matching
// [ErrInvalidConfig]) that names the key and the valid values. Validate does not look at Enabled.
func (c *Config) Validate() error {
	var err error
	if c.Store.Provider, err = normaliseProvider(c.Store.Provider, Root+".store.provider"); err != nil {
		return err
	}
	if c.Snapshot.Provider, err = normaliseProvider(c.Snapshot.Provider, Root+".snapshot.provider"); err != nil {
		return err
	}
	c.EDA.Destination = strings.TrimSpace(c.EDA.Destination)
	if c.EDA.Destination == "" {
		c.EDA.Destination = DefaultDestination
	}
	c.Store.URL = strings.TrimSpace(c.Store.URL)
	c.Snapshot.URL = strings.TrimSpace(c.Snapshot.URL)
	c.DataRelationalURL = strings.TrimSpace(c.DataRelationalURL)
	return nil
}

// RequireEnabled returns [ErrDisabled] unless c.Enabled.
func (c Config) RequireEnabled() error {
	if !c.Enabled {
		return ErrDisabled
	}
	return nil
}

func normaliseProvider(raw, key string) (string, error) {
	p := strings.ToLower(strings.TrimSpace(raw))
	switch p {
	case "":
		return ProviderMemory, nil
	case ProviderMemory, ProviderBun:
		return p, nil
	case ProviderSQLAlchemy:
		return ProviderBun, nil
	}
	return "", &Error{Key: key, Reason: fmt.Sprintf("%q is not a known provider; valid values: %s, %s, %s (an alias of %s)",
		raw, ProviderMemory, ProviderBun, ProviderSQLAlchemy, ProviderBun)}
}
