package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/providers/rawbytes"
	"github.com/knadh/koanf/v2"
)

// DefaultFile is the YAML file read from the working directory when no other file is named.
const DefaultFile = "application.yaml"

// Option changes what [Load] and [LoadKoanf] read.
type Option func(*loadOptions)

type source struct {
	name string
	path string
	data []byte
}

type loadOptions struct {
	sources []source
	environ func() []string
	noEnv   bool
	dir     string
}

// WithFile reads the YAML file at path (it must exist) instead of PYFLY_CONFIG or
// application.yaml. Several WithFile and WithYAML options are read in order, the last winning.
func WithFile(path string) Option {
	return func(o *loadOptions) { o.sources = append(o.sources, source{name: path, path: path}) }
}

// WithYAML reads YAML given in code instead of PYFLY_CONFIG or application.yaml. Errors name it
// "inline YAML".
func WithYAML(data []byte) Option {
	return func(o *loadOptions) {
		o.sources = append(o.sources, source{name: "inline YAML", data: append([]byte(nil), data...)})
	}
}

// WithEnviron replaces os.Environ as the source of PYFLY_* variables (and PYFLY_CONFIG, and the
// variables ${NAME} placeholders name); tests use it instead of os.Setenv. Entries have the form
// "NAME=value".
func WithEnviron(environ func() []string) Option {
	return func(o *loadOptions) { o.environ = environ }
}

// WithoutEnv skips the environment entirely: neither PYFLY_* keys nor PYFLY_CONFIG are read, and
// a ${NAME} placeholder finds no environment variable.
func WithoutEnv() Option {
	return func(o *loadOptions) { o.noEnv = true }
}

// WithDir looks for application.yaml in dir instead of the working directory.
func WithDir(dir string) Option {
	return func(o *loadOptions) { o.dir = dir }
}

// Load reads the configuration (see the package documentation for the order) and returns it
// validated, as [FromKoanf] reads it, its placeholders resolved from the environment the options
// give. Every error matches [ErrInvalidConfig] and names the key or the file at fault.
func Load(opts ...Option) (Config, error) {
	o := newLoadOptions(opts)
	k, err := o.load()
	if err != nil {
		return Config{}, err
	}
	return fromKoanf(k, o.environ)
}

// LoadKoanf layers the YAML file and the PYFLY_* environment into a new *koanf.Koanf without
// decoding it, for applications that read their own keys from the same sources. Within each
// layer a key the module reads written with dots (pyfly.eventsourcing.enabled: true) is set as
// the nested key it spells (every other key stays as written, dots and all), and an older spelling of a key (auto_migrate) is moved to the documented one
// (auto-migrate), so a later layer overrides an earlier one whichever spelling each uses.
func LoadKoanf(opts ...Option) (*koanf.Koanf, error) {
	return newLoadOptions(opts).load()
}

// newLoadOptions applies opts to the defaults: os.Environ, application.yaml.
func newLoadOptions(opts []Option) loadOptions {
	o := loadOptions{environ: os.Environ}
	for _, opt := range opts {
		opt(&o)
	}
	if o.noEnv {
		o.environ = func() []string { return nil }
	}
	return o
}

// load is [LoadKoanf].
func (o loadOptions) load() (*koanf.Koanf, error) {
	sources, err := o.fileSources()
	if err != nil {
		return nil, err
	}
	k := koanf.New(".")
	for _, s := range sources {
		layer, err := loadYAML(s)
		if err != nil {
			return nil, err
		}
		if layer, err = expandDotted(layer, s.name, false); err != nil {
			return nil, err
		}
		if err := merge(k, layer, s.name); err != nil {
			return nil, err
		}
	}
	layer := koanf.New(".")
	envp := env.Provider(".", env.Opt{Prefix: EnvPrefix, TransformFunc: EnvKey, EnvironFunc: o.environ})
	if err := layer.Load(envp, nil); err != nil {
		return nil, &Error{Reason: "environment " + EnvPrefix + "* cannot be read", Err: err}
	}
	if layer, err = matchNames(k, layer, o.environ()); err != nil {
		return nil, err
	}
	if err := merge(k, layer, "the environment"); err != nil {
		return nil, err
	}
	return k, nil
}

// merge folds the older spellings of layer's keys and merges it into k.
func merge(k, layer *koanf.Koanf, source string) error {
	if err := foldAliases(layer, source); err != nil {
		return err
	}
	if err := k.Merge(layer); err != nil {
		return &Error{File: source, Reason: "cannot be merged", Err: err}
	}
	return nil
}

// fileSources picks the YAML to read: the options', else PYFLY_CONFIG's, else application.yaml
// when it exists.
func (o loadOptions) fileSources() ([]source, error) {
	if len(o.sources) > 0 {
		return o.sources, nil
	}
	for _, kv := range o.environ() {
		name, value, ok := strings.Cut(kv, "=")
		if ok && name == EnvConfigFile && strings.TrimSpace(value) != "" {
			return []source{{name: value + " (from " + EnvConfigFile + ")", path: value}}, nil
		}
	}
	path := filepath.Join(o.dir, DefaultFile)
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fileError(path, err)
	}
	return []source{{name: path, path: path}}, nil
}

// loadYAML reads one YAML source into its own layer.
func loadYAML(s source) (*koanf.Koanf, error) {
	k := koanf.New(".")
	var err error
	if s.path != "" {
		err = k.Load(file.Provider(s.path), yaml.Parser())
	} else {
		err = k.Load(rawbytes.Provider(s.data), yaml.Parser())
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, fileError(s.name, err)
		}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		return nil, &Error{File: s.name, Reason: "not valid YAML: " + msg}
	}
	return k, nil
}

// fileError words an error opening a YAML file: the file once, then the system's reason.
func fileError(name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &Error{File: name, Reason: "cannot be read", Err: pe.Err}
	}
	return &Error{File: name, Reason: "cannot be read", Err: err}
}

// matchNames moves, in layer (the environment's), the projection versions and datasource urls
// that a PYFLY_* variable of environ sets to the name k (the YAML layers) already spells the same
// way pyfly spells it (upper case, "_" for each "-", "." and "_"), since a variable's name cannot
// hold a "-" or lower case: PYFLY_DATA_RELATIONAL_DATASOURCES_READ_REPLICA_URL sets the
// datasource read-replica when the YAML names it so. A variable two names match is an *[Error]
// naming it and both; one no name matches keeps the name [EnvKey] gives it.
func matchNames(k, layer *koanf.Koanf, environ []string) (*koanf.Koanf, error) {
	raw := layer.Raw()
	changed := false
	for _, kv := range environ {
		n, v, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(n, EnvPrefix) {
			continue
		}
		key, _ := EnvKey(n, v)
		upper := strings.ToUpper(n)
		var mapKey, spelt, leaf string
		if name, ok := strings.CutPrefix(upper, envName(Root+".projection.versions")+"_"); ok && key == Root+".projection.versions."+asName(name) {
			mapKey, spelt = Root+".projection.versions", name
		} else if name, ok := strings.CutPrefix(upper, envName(DataRelationalDatasourcesKey)+"_"); ok {
			name, ok = strings.CutSuffix(name, "_URL")
			if !ok || key != DataRelationalDatasourcesKey+"."+asName(name)+".url" {
				continue
			}
			mapKey, spelt, leaf = DataRelationalDatasourcesKey, name, "url"
		} else {
			continue
		}
		present, _ := k.Get(mapKey).(map[string]any)
		var matches []string
		for name := range present {
			if envName(name) == strings.ReplaceAll(spelt, "__", "_") {
				matches = append(matches, name)
			}
		}
		slices.Sort(matches)
		switch {
		case len(matches) > 1:
			shown := make([]string, len(matches))
			for i, m := range matches {
				shown[i] = showKey(mapKey + "." + m)
			}
			return nil, &Error{Key: showKey(mapKey), Reason: fmt.Sprintf(
				"environment variable %s matches %s, spelt alike in the environment (upper case, \"_\" for \"-\", \".\" and \"_\"): "+
					"rename one in the YAML so that the variable names one", n, strings.Join(shown, " and "))}
		case len(matches) == 0 || matches[0] == asName(spelt):
			continue
		}
		m := raw
		for _, s := range strings.Split(mapKey, ".") {
			if m, ok = m[s].(map[string]any); !ok {
				break
			}
		}
		if !ok {
			continue
		}
		delete(m, asName(spelt))
		if leaf == "" {
			m[matches[0]] = v
		} else {
			m[matches[0]] = map[string]any{leaf: v}
		}
		changed = true
	}
	if !changed {
		return layer, nil
	}
	out := koanf.New(".")
	if err := out.Load(confmap.Provider(raw, ""), nil); err != nil {
		return nil, &Error{Reason: "environment " + EnvPrefix + "* cannot be read", Err: err}
	}
	return out, nil
}
