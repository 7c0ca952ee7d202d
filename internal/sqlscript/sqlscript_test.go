package sqlscript

import (
	"reflect"
	"testing"
)

func TestStatements(t *testing.T) {
	script := "-- a fixture\nCREATE TABLE t (a TEXT);\n\nINSERT INTO t VALUES ('x;y');\n-- done\nINSERT INTO t\n  VALUES ('z');\n"
	want := []string{"CREATE TABLE t (a TEXT)", "INSERT INTO t VALUES ('x;y')", "INSERT INTO t\n  VALUES ('z')"}
	if got := Statements(script); !reflect.DeepEqual(got, want) {
		t.Fatalf("Statements = %q, want %q", got, want)
	}
}
