package autoconfig

import (
	"slices"
	"strings"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/gofly/eventsourcing/eda"
)

// NewPublisher returns the publisher onto pub with the configured destination, or nil when pub is
// nil (the application has no Watermill publisher; see [ExplainNilPublisher]).
func NewPublisher(s *Settings, pub message.Publisher) *eda.Publisher {
	return eda.NewPublisher(pub, s.Config.EDA.Destination)
}

// ExplainNilPublisher logs why the module's *eda.Publisher is nil. graph is the DOT form of the
// application's dependency graph (fx.DotGraph), or "" when there is none. Fx hands the module
// only the exact type message.Publisher, so for every type in graph that looks like a Watermill
// publisher (a *gochannel.GoChannel, a type named Publisher or PubSub, a named or grouped
// message.Publisher) it logs a warning naming the type and how to provide it; when there is
// none it logs once, at info level, that stored events are not published.
func ExplainNilPublisher(s *Settings, graph string) {
	log := s.logger()
	suspects := publisherSuspects(graph)
	for _, typ := range suspects {
		hint := "provide it as fx.As(new(message.Publisher)), e.g. fx.Provide(fx.Annotate(newPubSub, fx.As(new(message.Publisher))))"
		if strings.HasPrefix(typ, "message.Publisher") {
			hint = "the module takes the message.Publisher with no name or group: provide it once more as fx.As(new(message.Publisher)) without fx.ResultTags"
			if !strings.Contains(typ, "[") {
				hint = "it is private to another module (fx.Private): provide it where the eventsourcing module can see it"
			}
		}
		log.Warn("eventsourcing: the Fx graph has a Watermill publisher of type "+typ+", but the module asks for exactly message.Publisher, so *eda.Publisher is nil; "+hint,
			"type", typ, "destination", s.Config.EDA.Destination)
	}
	if len(suspects) == 0 {
		log.Info("eventsourcing: no message.Publisher in the Fx graph: *eda.Publisher is nil and stored events are not published to Watermill",
			"destination", s.Config.EDA.Destination)
	}
}

// publisherSuspects returns the types in a DOT graph (dig's form: one line `"TYPE" [label=...]`
// per provided type) that look like Watermill publishers the module cannot see, sorted.
func publisherSuspects(graph string) []string {
	var out []string
	for line := range strings.Lines(graph) {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), `"`)
		if !ok {
			continue
		}
		typ, attrs, ok := strings.Cut(rest, `"`)
		if !ok || !strings.HasPrefix(attrs, " [label=") {
			continue
		}
		base, _, _ := strings.Cut(typ, "[")
		name := base[strings.LastIndex(base, ".")+1:]
		switch {
		case base == "*eda.Publisher":
		case base == "message.Publisher",
			base == "*gochannel.GoChannel",
			strings.HasSuffix(name, "Publisher"),
			strings.HasSuffix(name, "PubSub"):
			if !slices.Contains(out, typ) {
				out = append(out, typ)
			}
		}
	}
	slices.Sort(out)
	return out
}
