package jsoncopy

import (
	"math"
	"reflect"
	"testing"
)

// cyclic returns maps and lists that contain themselves: before the walks were bounded, Plain,
// Map and Value went round them until the stack overflowed, a fatal error no recover catches.
func cyclic() map[string]map[string]any {
	self := map[string]any{"k": "v", "n": 1.0}
	self["self"] = self
	twice := map[string]any{}
	twice["a"], twice["b"] = twice, twice
	list := []any{"x", nil}
	list[1] = list
	viaList := map[string]any{"s": "x"}
	viaList["l"] = []any{1.0, map[string]any{"back": viaList}}
	return map[string]map[string]any{
		"map inside itself":       self,
		"map inside itself twice": twice,
		"list inside itself":      {"l": list},
		"cycle through a list":    viaList,
	}
}

func TestCyclesEndTheWalks(t *testing.T) {
	for name, m := range cyclic() {
		if Plain(m) {
			t.Errorf("%s: Plain", name)
		}
		if _, err := Normalize(m); err == nil {
			t.Errorf("%s: Normalize gave no error", name)
		}
		c := Map(m)
		if reflect.ValueOf(c).Pointer() == reflect.ValueOf(m).Pointer() {
			t.Errorf("%s: Map returned the map itself", name)
		}
		if v, ok := Value(m).(map[string]any); !ok || len(v) != len(m) {
			t.Errorf("%s: Value gave %T", name, Value(m))
		}
	}
	// The copy holds the original where the cycle closes: its first level is new.
	self := cyclic()["map inside itself"]
	c := Map(self)
	c["k"] = "changed"
	if self["k"] != "v" {
		t.Error("Map shares the top map")
	}
	if inner := c["self"].(map[string]any); reflect.ValueOf(inner).Pointer() != reflect.ValueOf(self).Pointer() {
		t.Error("Map should hold the original where the cycle closes")
	}
}

// deep returns maps nested levels deep.
func deep(levels int) map[string]any {
	m := map[string]any{"end": 1.0}
	for range levels - 1 {
		m = map[string]any{"a": m}
	}
	return m
}

func TestDepthBoundsTheWalks(t *testing.T) {
	atBound, past := deep(MaxDepth), deep(MaxDepth+1)
	if !Plain(atBound) {
		t.Error("Plain refuses a map at MaxDepth")
	}
	if Plain(past) {
		t.Error("Plain accepts a map past MaxDepth")
	}
	// Copies go down to MaxDepth levels and share what lies deeper.
	c := Map(past)
	orig, cp := past, c
	for level := 1; level < MaxDepth; level++ {
		orig, cp = orig["a"].(map[string]any), cp["a"].(map[string]any)
		if reflect.ValueOf(orig).Pointer() == reflect.ValueOf(cp).Pointer() {
			t.Fatalf("level %d is shared", level+1)
		}
	}
	if reflect.ValueOf(orig["a"]).Pointer() != reflect.ValueOf(cp["a"]).Pointer() {
		t.Error("the level past MaxDepth is copied")
	}
	if _, err := Normalize(deep(200)); err != nil {
		t.Errorf("Normalize of 200 levels: %v", err)
	}
}

// Before the fix, memory kept metadata of scalars that JSON changes (invalid UTF-8, NaN) as they
// were, where the Bun stores keep their JSON.
func TestNormalizeAsJSONGivesBack(t *testing.T) {
	got, err := Normalize(map[string]any{"v": "a\xffb", "k": "ok"})
	if err != nil || got["v"] != "a\uFFFDb" || got["k"] != "ok" {
		t.Errorf("invalid UTF-8 value: %#v, %v", got, err)
	}
	got, err = Normalize(map[string]any{"k\xff": "v"})
	if err != nil || got["k\uFFFD"] != "v" {
		t.Errorf("invalid UTF-8 key: %#v, %v", got, err)
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got, err := Normalize(map[string]any{"f": f}); err == nil {
			t.Errorf("%v: %#v", f, got)
		}
		if Plain(map[string]any{"l": []any{f}}) {
			t.Errorf("Plain accepts %v", f)
		}
	}
}

// A cycle deep down a long path is found, and a long path that comes back up and down again
// (the set the path keeps from 32 levels on is dropped and built again) stays exact.
func TestDeepPaths(t *testing.T) {
	var p Path
	lists := make([][]any, 100)
	for i := range lists {
		lists[i] = []any{i}
		if !p.Enter(lists[i]) {
			t.Fatalf("level %d refused", i)
		}
	}
	if p.Enter(lists[3]) || p.Enter(lists[99]) {
		t.Error("a list on the path entered again")
	}
	for range 70 {
		p.Leave()
	}
	if !p.Enter(lists[50]) {
		t.Error("a list that left the path is refused")
	}
	if p.Enter(lists[29]) {
		t.Error("a list still on the path entered again")
	}
	self := deep(500)
	inner := self
	for range 498 {
		inner = inner["a"].(map[string]any)
	}
	inner["a"] = self
	if Plain(self) {
		t.Error("a cycle 500 levels down is plain")
	}
	if _, err := Normalize(self); err == nil {
		t.Error("a cycle 500 levels down normalises")
	}
}

// Maps and slices of any type are copied, keeping their types. Before the fix a []string or a
// map[string]string inside a copied map was shared with the original.
func TestValueCopiesTypedMapsAndSlices(t *testing.T) {
	type names []string
	inner := map[string]any{"k": "v"}
	orig := map[string]any{
		"strings": []string{"a", "b"},
		"labels":  map[string]string{"x": "1"},
		"nested":  map[string][]int{"n": {1, 2}},
		"named":   names{"c"},
		"lists":   [][]string{{"d"}},
		"anys":    map[int]any{1: inner},
		"array":   [1]map[string]int{{"a": 1}},
		"nil":     []string(nil),
	}
	c := Map(orig)
	c["strings"].([]string)[0] = "changed"
	c["labels"].(map[string]string)["x"] = "changed"
	c["nested"].(map[string][]int)["n"][0] = 9
	c["named"].(names)[0] = "changed"
	c["lists"].([][]string)[0][0] = "changed"
	c["anys"].(map[int]any)[1].(map[string]any)["k"] = "changed"
	c["array"].([1]map[string]int)[0]["a"] = 9
	if !reflect.DeepEqual(orig, map[string]any{
		"strings": []string{"a", "b"},
		"labels":  map[string]string{"x": "1"},
		"nested":  map[string][]int{"n": {1, 2}},
		"named":   names{"c"},
		"lists":   [][]string{{"d"}},
		"anys":    map[int]any{1: map[string]any{"k": "v"}},
		"array":   [1]map[string]int{{"a": 1}},
		"nil":     []string(nil),
	}) {
		t.Errorf("the copy shares with the original: %#v", orig)
	}
	if c["nil"].([]string) != nil {
		t.Error("a nil slice should stay nil")
	}

	// Cycles through typed maps and slices end the walk, and depth bounds it.
	type node map[string]any
	self := node{"k": "v"}
	self["self"] = self
	loop := []any{nil}
	typed := map[string][]any{"l": loop}
	loop[0] = typed
	for name, v := range map[string]any{"typed map inside itself": self, "cycle through a typed map": typed} {
		if reflect.ValueOf(Value(v)).Pointer() == reflect.ValueOf(v).Pointer() {
			t.Errorf("%s: the map itself is shared, not copied", name)
		}
	}
	c2 := Value(self).(node)
	if reflect.ValueOf(c2["self"]).Pointer() != reflect.ValueOf(self).Pointer() {
		t.Error("the copy of a cyclic typed map holds the original where the cycle closes")
	}
	var deepList any = []string{"end"}
	for range MaxDepth + 5 {
		deepList = [][]any{{deepList}}
	}
	// The outer levels are copied; below MaxDepth the copy shares the original's lists.
	was, now := deepList, Value(deepList)
	if reflect.ValueOf(was).Pointer() == reflect.ValueOf(now).Pointer() {
		t.Error("the outer list of a deep list is shared, not copied")
	}
	shared := false
	for o, ok := was.([][]any); ok; o, ok = was.([][]any) {
		if reflect.ValueOf(o).Pointer() == reflect.ValueOf(now).Pointer() {
			shared = true
			break
		}
		was, now = o[0][0], now.([][]any)[0][0]
	}
	if !shared {
		t.Error("a list nested deeper than MaxDepth is copied whole; it should be shared below the bound")
	}
}
