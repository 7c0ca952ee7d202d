// Command orders is an example application of gofly event sourcing on Uber Fx: orders placed,
// filled, shipped and cancelled through a repository with snapshots taken as the configuration
// says, an "orders by status" read model kept by a projection runner in the same database
// (exactly once), and every event forwarded through the transactional outbox to a Watermill
// subscriber. Run it twice: the second run reloads what the first stored and carries on. It
// prints where its data is and how to start over.
//
//	go run ./examples/orders                     # SQLite file orders.db in the working directory
//	go run ./examples/orders -url postgres://…   # PostgreSQL (or PYFLY_EVENTSOURCING_STORE_URL)
//	go run ./examples/orders -nats nats://…      # deliver through NATS JetStream
//
// Its configuration is application.yaml in the working directory, the file named by -config or
// PYFLY_CONFIG, or else its own application.yaml (built in), so it runs from any directory.
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/knadh/koanf/v2"
	"go.uber.org/fx"

	"github.com/gofly/eventsourcing"
	"github.com/gofly/eventsourcing/autoconfig"
	"github.com/gofly/eventsourcing/config"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// ownConfig is the example's application.yaml, used when no other configuration is given.
//
//go:embed application.yaml
var ownConfig []byte

func main() {
	configFile := flag.String("config", "", "YAML configuration (default: application.yaml in the working directory, else PYFLY_CONFIG, else the example's own)")
	url := flag.String("url", "", "database URL for every store, e.g. postgres://user@localhost/orders (default: the configuration's)")
	natsURL := flag.String("nats", "", "NATS URL: deliver through NATS JetStream instead of an in-process channel")
	flag.Parse()
	os.Exit(report(os.Stderr, run(context.Background(), os.Stdout, *configFile, *url, *natsURL)))
}

// report prints err to w and returns the exit status: 0 without an error, 2 for a configuration
// error, which it prints alone (the key at fault and what to do, without the words Fx puts
// around it), 1 for any other.
func report(w io.Writer, err error) int {
	var cfgErr *config.Error
	if errors.As(err, &cfgErr) {
		fmt.Fprintln(w, "orders:", cfgErr)
		return 2
	}
	if err != nil {
		fmt.Fprintln(w, "orders:", err)
		return 1
	}
	return 0
}

// beans are what the scenario uses from the application.
type beans struct {
	fx.In

	Store     es.EventStore
	Snapshots es.SnapshotStore
	Options   autoconfig.RepositoryOptions
	Outbox    *outbox.Outbox
	Runners   *autoconfig.Projections
	View      *OrdersByStatus
}

// run builds the application, starts it, plays the scenario, waits for the read model and the
// bus to catch up, prints the account to out and stops.
func run(ctx context.Context, out io.Writer, configFile, url, natsURL string) error {
	k, from, err := loadConfig(configFile, url)
	if err != nil {
		return err
	}
	bus, err := NewBus(natsURL)
	if err != nil {
		return err
	}
	defer bus.Close()

	var b beans
	app := fx.New(
		fx.NopLogger,
		eventsourcing.Module,
		fx.Supply(k), // the configuration, instead of the module loading its own
		// The module logs through the graph's *slog.Logger (optional; slog.Default() without one).
		fx.Supply(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))),
		// The outbox publishes through the graph's message.Publisher (that exact type).
		fx.Provide(fx.Annotate(func() message.Publisher { return bus.Publisher }, fx.As(new(message.Publisher)))),
		eventsourcing.ProvideProjection(NewOrdersByStatus),
		fx.Populate(&b),
	)
	if err := app.Err(); err != nil {
		return err // a *config.Error when the configuration is at fault: see report
	}
	where, cfg, err := describeData(k)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "Configuration:", from)
	fmt.Fprintln(out, "Database:", where.what)
	fmt.Fprintln(out, "Bus:", bus.Name)
	listenCtx, stopListening := context.WithCancel(ctx)
	defer stopListening()
	if err := bus.Listen(listenCtx); err != nil {
		return err
	}
	startCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := app.Start(startCtx); err != nil {
		return err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = app.Stop(stopCtx)
	}()
	if err := play(ctx, out, b, bus, cfg.Snapshot.Interval); err != nil {
		return err
	}
	fmt.Fprintln(out, "Run it again to carry on from here. To start over,", where.startOver)
	return nil
}

// loadConfig reads the configuration as the module would (application.yaml in the working
// directory, or PYFLY_CONFIG), from file when it is given, or else the example's own; then points
// every store at url when it is given (or when only PYFLY_EVENTSOURCING_STORE_URL is set, the
// snapshots follow it). It returns the configuration and where it came from.
func loadConfig(file, url string) (*koanf.Koanf, string, error) {
	var opts []config.Option
	from := ""
	switch {
	case file != "":
		opts = append(opts, config.WithFile(file))
		from = file
	case os.Getenv(config.EnvConfigFile) != "":
		from = os.Getenv(config.EnvConfigFile) + " (from " + config.EnvConfigFile + ")"
	default:
		_, err := os.Stat(config.DefaultFile)
		switch {
		case err == nil:
			from = absolute(config.DefaultFile)
		case errors.Is(err, fs.ErrNotExist):
			opts = append(opts, config.WithYAML(ownConfig))
			from = "the example's own application.yaml (no " + config.DefaultFile + " in " + absolute(".") + ")"
		default:
			return nil, "", err
		}
	}
	k, err := config.LoadKoanf(opts...)
	if err != nil {
		return nil, "", err
	}
	if url == "" {
		url = os.Getenv("PYFLY_EVENTSOURCING_STORE_URL")
	}
	if url != "" {
		for _, key := range []string{"store.url", "snapshot.url"} {
			if err := k.Set(config.Root+"."+key, url); err != nil {
				return nil, "", err
			}
		}
	}
	return k, from, nil
}

// dataPlace says where the example keeps its data and how to start over.
type dataPlace struct {
	what, startOver string
}

// describeData reads the configuration and where the event store's database is (the read
// model, the checkpoints and the outbox follow it; the example's configuration puts the
// snapshots there too).
func describeData(k *koanf.Koanf) (dataPlace, config.Config, error) {
	cfg, err := config.FromKoanf(k)
	if err != nil {
		return dataPlace{}, cfg, err
	}
	if cfg.Store.Provider != config.ProviderBun {
		return dataPlace{what: "in memory, lost when the program ends", startOver: "run it again."}, cfg, nil
	}
	src, err := bunstore.Parse(cfg.StoreURL().URL)
	if err != nil {
		return dataPlace{}, cfg, err
	}
	if src.Dialect() == bunstore.DialectSQLite && !src.Memory() {
		file := src.DSN()
		return dataPlace{
			what:      "SQLite file " + file + " (events, snapshots, read model, checkpoints and outbox)",
			startOver: "delete the database file and its -wal and -shm files: rm " + shellQuote(file) + "*",
		}, cfg, nil
	}
	return dataPlace{
		what:      "PostgreSQL " + src.Redacted() + " (events, snapshots, read model, checkpoints and outbox)",
		startOver: "use an empty database, or drop the table orders_by_status and the pyfly_* tables.",
	}, cfg, nil
}

// absolute returns path made absolute, or path when it cannot be.
func absolute(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// shellQuote quotes s for a POSIX shell when it holds a character the shell would read.
func shellQuote(s string) string {
	if !strings.ContainsAny(s, " \t\n'\"$`\\*?[]#~;&|<>(){}!") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
