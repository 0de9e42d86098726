package cryptotest

import (
	"fmt"
	"strings"
	"testing"
)

// verbs are the fmt verbs a secret could be printed with by mistake.
var verbs = []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%d", "%o", "%q", "%08b"}

// PrintsNoSecret fails t if printing v with any verb (or Sprint,
// Sprintln) shows one of the secrets, as the same verb shows the secret's
// first 8 bytes (its hex, its decimal or octal byte list, ...).
func PrintsNoSecret(t *testing.T, v any, secrets ...[]byte) {
	t.Helper()
	for _, verb := range verbs {
		out := fmt.Sprintf(verb, v)
		for _, s := range secrets {
			if leaks(out, verb, s) {
				t.Errorf("fmt.Sprintf(%q, %T) = %s: shows the secret", verb, v, out)
			}
		}
	}
	for _, out := range []string{fmt.Sprint(v), fmt.Sprintln(v)} {
		for _, s := range secrets {
			if leaks(out, "%v", s) {
				t.Errorf("fmt.Sprint(%T) = %s: shows the secret", v, out)
			}
		}
	}
}

func leaks(out, verb string, secret []byte) bool {
	head := secret[:min(8, len(secret))]
	shown := fmt.Sprintf(verb, head)
	// A byte slice prints as "[a b c]"; inside a struct the brackets
	// stay, so look for the elements.
	shown = strings.TrimSuffix(strings.TrimPrefix(shown, "["), "]")
	shown = strings.TrimSuffix(strings.TrimPrefix(shown, "[]byte{"), "}")
	return shown != "" && strings.Contains(out, shown)
}
