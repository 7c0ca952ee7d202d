package testkit

import "testing"

// Case is one named case of a conformance suite over targets of type F (a store factory, or a
// backend): the suites' XxxTests functions return them so that a store's tests can run, skip or
// reorder single cases.
type Case[F any] struct {
	Name string
	Run  func(t *testing.T, target F)
}

// runCases runs each case as a subtest named after it.
func runCases[F any](t *testing.T, cases []Case[F], target F) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) { tc.Run(t, target) })
	}
}
