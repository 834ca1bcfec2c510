package riskcloud_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestREADME_snippetsAreExamples keeps the README honest: each Go snippet
// in it must appear, line for line (indentation aside), in
// example_test.go, where it is compiled and, mostly, run.
func TestREADME_snippetsAreExamples(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	examples, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllSubmatch(readme, -1)
	if len(blocks) < 5 {
		t.Fatalf("found %d Go snippets in README.md, want at least 5", len(blocks))
	}
	haystack := "\n" + strings.Join(normalise(string(examples)), "\n") + "\n"
	for _, b := range blocks {
		lines := normalise(string(b[1]))
		if !strings.Contains(haystack, "\n"+strings.Join(lines, "\n")+"\n") {
			t.Errorf("README snippet not found in example_test.go:\n%s", b[1])
		}
	}
}

// normalise trims each line and drops blank ones.
func normalise(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
