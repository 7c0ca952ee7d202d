// Command keytables writes the tables of configuration keys from config.KeyDocs into README.md
// and into the package documentation of config (doc.go). go generate ./config runs it; a test
// fails while either file differs from what it would write.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/gofly/eventsourcing/config"
)

// Markers around the generated table in README.md.
const (
	readmeBegin = "<!-- Generated from config/keydocs.go by go generate ./config: edit that file, not this table. -->\n"
	readmeEnd   = "<!-- End of the generated table. -->\n"
)

// The generated section of doc.go runs from docBegin to the package clause.
const (
	docBegin = "// # Keys\n"
	docEnd   = "package config\n"
)

func main() {
	readme := flag.String("readme", "../README.md", "README.md to update")
	doc := flag.String("doc", "doc.go", "config's doc.go to update")
	flag.Parse()
	docs := config.KeyDocs()
	for path, update := range map[string]func([]byte, []config.KeyDoc) ([]byte, error){*readme: updateReadme, *doc: updateDoc} {
		if err := rewrite(path, docs, update); err != nil {
			fmt.Fprintln(os.Stderr, "keytables:", err)
			os.Exit(1)
		}
	}
}

func rewrite(path string, docs []config.KeyDoc, update func([]byte, []config.KeyDoc) ([]byte, error)) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	updated, err := update(old, docs)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if bytes.Equal(old, updated) {
		return nil
	}
	return os.WriteFile(path, updated, 0o644)
}

// updateReadme replaces the table between the README's markers.
func updateReadme(readme []byte, docs []config.KeyDoc) ([]byte, error) {
	return replaceBetween(readme, readmeBegin, readmeEnd, readmeTable(docs))
}

// updateDoc replaces the "# Keys" section of doc.go, which ends the package documentation.
func updateDoc(src []byte, docs []config.KeyDoc) ([]byte, error) {
	return replaceBetween(src, docBegin, docEnd, docSection(docs))
}

// replaceBetween puts content between the line begin and the line end of src, keeping both.
func replaceBetween(src []byte, begin, end, content string) ([]byte, error) {
	s := string(src)
	i := strings.Index(s, "\n"+begin)
	if i < 0 {
		return nil, errors.New("no line " + strings.TrimSpace(begin))
	}
	i += 1 + len(begin)
	j := 0
	if !strings.HasPrefix(s[i:], end) {
		j = strings.Index(s[i:], "\n"+end)
		if j < 0 {
			return nil, errors.New("no line " + strings.TrimSpace(end) + " after " + strings.TrimSpace(begin))
		}
		j++
	}
	return []byte(s[:i] + content + s[i+j:]), nil
}

// readmeTable is the Markdown table of the keys.
func readmeTable(docs []config.KeyDoc) string {
	var b strings.Builder
	b.WriteString("| key | default | description |\n|---|---|---|\n")
	for _, d := range docs {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", d.Key, d.Default, d.Doc)
	}
	return b.String()
}

// docSection is the "# Keys" section of the package documentation, after its heading: one list
// item a key, wrapped as gofmt keeps it.
func docSection(docs []config.KeyDoc) string {
	var b strings.Builder
	b.WriteString("//\n")
	for _, line := range wrap("Every key the module reads, its default and what it does (README.md has the same table; both are generated from [KeyDocs]):", "// ", "// ") {
		b.WriteString(line)
	}
	b.WriteString("//\n")
	for _, d := range docs {
		text := d.Key + " (" + plainDefault(d) + "): " + plain(d.Doc)
		for _, line := range wrap(text, "//   - ", "//     ") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// plainDefault words a key's default for the package documentation.
func plainDefault(d config.KeyDoc) string {
	switch {
	case d.Literal != "":
		return "default: " + d.Literal
	case d.Default == "(none)":
		return "no default"
	}
	return "default: " + plain(d.Default)
}

// plain drops Markdown's backquotes.
func plain(s string) string { return strings.ReplaceAll(s, "`", "") }

// width is the longest line wrap writes, in bytes, prefix included, unless a word is longer.
const width = 100

// wrap breaks text into lines of at most width, the first starting with first and the others
// with rest; each line ends with a newline.
func wrap(text, first, rest string) []string {
	var lines []string
	line := first
	empty := true
	for _, word := range strings.Fields(text) {
		if !empty && len(line)+1+len(word) > width {
			lines = append(lines, line+"\n")
			line, empty = rest, true
		}
		if !empty {
			line += " "
		}
		line += word
		empty = false
	}
	return append(lines, line+"\n")
}
