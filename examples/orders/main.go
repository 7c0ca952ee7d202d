// Command orders is an example application of gofly event sourcing on Uber Fx: orders placed,
// filled, shipped and cancelled through a repository with snapshots, an "orders by status" read
// model kept by a projection runner in the same database (exactly once), and every event
// forwarded through the transactional outbox to a Watermill subscriber. Run it twice: the second
// run reloads what the first stored and carries on. Delete orders.db to start over.
//
//	go run ./examples/orders                     # SQLite file orders.db in the working directory
//	go run ./examples/orders -url postgres://…   # PostgreSQL (or PYFLY_EVENTSOURCING_STORE_URL)
//	go run ./examples/orders -nats nats://…      # deliver through NATS JetStream
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/knadh/koanf/v2"
	"go.uber.org/fx"

	"github.com/gofly/eventsourcing"
	"github.com/gofly/eventsourcing/autoconfig"
	"github.com/gofly/eventsourcing/config"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
)

func main() {
	configFile := flag.String("config", "", "YAML configuration (default: application.yaml in the working directory, or PYFLY_CONFIG)")
	url := flag.String("url", "", "database URL for every store, e.g. postgres://user@localhost/orders (default: the configuration's)")
	natsURL := flag.String("nats", "", "NATS URL: deliver through NATS JetStream instead of an in-process channel")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *configFile, *url, *natsURL); err != nil {
		fmt.Fprintln(os.Stderr, "orders:", err)
		os.Exit(1)
	}
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
	k, err := loadConfig(configFile, url)
	if err != nil {
		return err
	}
	bus, err := NewBus(natsURL)
	if err != nil {
		return err
	}
	defer bus.Close()
	listenCtx, stopListening := context.WithCancel(ctx)
	defer stopListening()
	if err := bus.Listen(listenCtx); err != nil {
		return err
	}

	var b beans
	app := fx.New(
		fx.NopLogger,
		eventsourcing.Module,
		fx.Supply(k, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))),
		fx.Provide(fx.Annotate(func() message.Publisher { return bus.Publisher }, fx.As(new(message.Publisher)))),
		eventsourcing.ProvideProjection(NewOrdersByStatus),
		fx.Populate(&b),
	)
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
	return play(ctx, out, b, bus)
}

// loadConfig reads the configuration as the module would, and points every store at url when
// it is given (or when only PYFLY_EVENTSOURCING_STORE_URL is set, the snapshots follow it).
func loadConfig(file, url string) (*koanf.Koanf, error) {
	var opts []config.Option
	if file != "" {
		opts = append(opts, config.WithFile(file))
	}
	k, err := config.LoadKoanf(opts...)
	if err != nil {
		return nil, err
	}
	if url == "" {
		url = os.Getenv("PYFLY_EVENTSOURCING_STORE_URL")
	}
	if url != "" {
		for _, key := range []string{"store.url", "snapshot.url"} {
			if err := k.Set(config.Root+"."+key, url); err != nil {
				return nil, err
			}
		}
	}
	return k, nil
}
