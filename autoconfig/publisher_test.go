package autoconfig_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/autoconfig"
)

// A DOT graph as dig writes it, with the types the explanation must and must not name.
const graph = `digraph {
	rankdir=RL;
	subgraph cluster_0 {
		constructor_0 [shape=plaintext label="New.func1"];
		"fx.Lifecycle" [label=<fx.Lifecycle>];
		"*gochannel.GoChannel" [label=<*gochannel.GoChannel>];
		"*eda.Publisher" [label=<*eda.Publisher>];
		"message.Subscriber" [label=<message.Subscriber>];
		"*kafka.Publisher" [label=<*kafka.Publisher>];
		"*app.PubSub" [label=<*app.PubSub>];
		"message.Publisher[name=x]" [label=<message.Publisher<BR /><FONT POINT-SIZE="10">Name: x</FONT>>];
		"message.Publisher" [color=orange];
		constructor_1 -> "*sql.Publisher" [ltail=cluster_1];
		"*gochannel.GoChannel" [label=<*gochannel.GoChannel>];
		"unterminated [label=
		"" [label=<>];
	}
}`

func TestExplainNilPublisher(t *testing.T) {
	var logs bytes.Buffer
	s, err := autoconfig.NewSettings(enabledConfig(), slog.New(slog.NewTextHandler(&logs, nil)))
	require.NoError(t, err)
	logs.Reset()

	autoconfig.ExplainNilPublisher(s, graph)
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	require.Len(t, lines, 4, logs.String())
	for i, typ := range []string{"*app.PubSub", "*gochannel.GoChannel", "*kafka.Publisher", "message.Publisher[name=x]"} {
		require.Contains(t, lines[i], "level=WARN")
		require.Contains(t, lines[i], "a Watermill publisher of type "+typ+", but the module asks for exactly message.Publisher, so *eda.Publisher is nil")
	}
	require.Contains(t, lines[1], "provide it as fx.As(new(message.Publisher))")
	require.Contains(t, lines[3], "without fx.ResultTags")

	logs.Reset()
	autoconfig.ExplainNilPublisher(s, "")
	require.Equal(t, 1, strings.Count(logs.String(), "\n"))
	require.Contains(t, logs.String(), `level=INFO msg="eventsourcing: no message.Publisher in the Fx graph: *eda.Publisher is nil and stored events are not published to Watermill" destination=pyfly.events`)

	logs.Reset()
	autoconfig.ExplainNilPublisher(s, "\"message.Publisher\" [label=<message.Publisher>];\n")
	require.Contains(t, logs.String(), "it is private to another module (fx.Private)")
}
