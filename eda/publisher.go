package eda

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/gofly/eventsourcing/internal/check"
	"github.com/gofly/eventsourcing/internal/errs"
	"github.com/gofly/eventsourcing/internal/redact"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// DefaultDestination is the topic used when none is given.
const DefaultDestination = "pyfly.events"

// ErrNoPublisher reports a publish through a nil *Publisher: the application has no Watermill
// message.Publisher in its graph.
var ErrNoPublisher = errors.New("eda: no publisher: provide a Watermill message.Publisher to publish events")

// Publisher sends envelopes to one Watermill topic. It is safe for concurrent use when the
// underlying message.Publisher is (Watermill requires it). Its methods on a nil *Publisher return
// [ErrNoPublisher].
type Publisher struct {
	pub         message.Publisher
	destination string
	log         *slog.Logger
	err         error // a bad destination, reported by Err and every publish
}

// Option configures a [Publisher].
type Option func(*Publisher)

// WithLogger sets the logger for metadata entries left out of messages (debug level). The
// default discards.
func WithLogger(l *slog.Logger) Option {
	return func(p *Publisher) {
		if l != nil {
			p.log = l
		}
	}
}

// NewPublisher returns a Publisher sending to destination through pub; a blank destination means
// [DefaultDestination]. It returns nil when pub is nil. A destination that is not valid UTF-8 or
// holds a NUL byte is a mistake: [Publisher.Err] reports it, and every publish returns it without
// sending anything (an error matching es.ErrInvalidArgument).
func NewPublisher(pub message.Publisher, destination string, opts ...Option) *Publisher {
	if pub == nil {
		return nil
	}
	destination = strings.TrimSpace(destination)
	if destination == "" {
		destination = DefaultDestination
	}
	p := &Publisher{pub: pub, destination: destination, log: slog.New(slog.DiscardHandler)}
	if problem := check.Text(destination, math.MaxInt, true); problem != "" {
		p.err = errs.Invalid("eda.NewPublisher: destination: a Watermill topic %s, got %.40q", problem, destination)
	}
	for _, o := range opts {
		if o != nil {
			o(p)
		}
	}
	return p
}

// Err reports a mistake in NewPublisher's arguments (a destination that is not valid UTF-8 or
// holds a NUL byte), nil when there is none; [ErrNoPublisher] on a nil *Publisher.
func (p *Publisher) Err() error {
	if p == nil {
		return ErrNoPublisher
	}
	return p.err
}

// Destination returns the topic messages are sent to, "" on a nil *Publisher.
func (p *Publisher) Destination() string {
	if p == nil {
		return ""
	}
	return p.destination
}

// Publish sends env as one message. The message carries ctx.
func (p *Publisher) Publish(ctx context.Context, env es.Envelope) error {
	if p == nil {
		return ErrNoPublisher
	}
	if p.err != nil {
		return p.err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("eda: publish event %s: %w", env.EventID, err)
	}
	msg, skipped, err := newMessage(env)
	if err != nil {
		return err
	}
	if len(skipped) > 0 {
		p.log.DebugContext(ctx, "eda: metadata left out of the message: values that are not strings, or keys that are reserved",
			"event_id", env.EventID, "keys", skipped)
	}
	msg.SetContext(ctx)
	if err := p.pub.Publish(p.destination, msg); err != nil {
		// Broker errors may quote a connection URL with its password.
		return fmt.Errorf("eda: publish event %s (%s of %s %q, sequence %d) to %q: %w",
			env.EventID, env.EventType, env.AggregateType, env.AggregateID, env.Sequence, p.destination, redact.Error(err))
	}
	return nil
}

// PublishAll sends envs one by one, in order. It stops at the first failure and returns an error
// naming the failed envelope's index and event id; the envelopes before it were sent, those after
// it were not.
func (p *Publisher) PublishAll(ctx context.Context, envs []es.Envelope) error {
	if p == nil {
		return ErrNoPublisher
	}
	if p.err != nil {
		return p.err
	}
	for i, env := range envs {
		if err := p.Publish(ctx, env); err != nil {
			return fmt.Errorf("eda: envelope %d of %d (event %s) not published, %d before it were: %w",
				i, len(envs), env.EventID, i, err)
		}
	}
	return nil
}
