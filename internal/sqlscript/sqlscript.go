// Package sqlscript splits SQL scripts, such as the fixtures tests load, into statements.
package sqlscript

import "strings"

// Statements returns the statements of script, in order: each ends with a semicolon at the end
// of a line; lines that start with -- are comments and are dropped, and so are empty statements.
func Statements(script string) []string {
	var out []string
	for _, stmt := range strings.Split(script, ";\n") {
		var lines []string
		for _, l := range strings.Split(stmt, "\n") {
			if !strings.HasPrefix(l, "--") {
				lines = append(lines, l)
			}
		}
		if stmt = strings.TrimSpace(strings.Join(lines, "\n")); stmt != "" {
			out = append(out, stmt)
		}
	}
	return out
}
