package main

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/welcome-pointers/wasm/web-demo/node"
)

func TestAdminStatusAndPointeeBehavior(t *testing.T) {
	s := newSite(t, false, node.Config{MaxRequest: 1 << 20, MaxStored: 2 << 20, MaxMessages: 1000})
	var st adminStatus
	if err := json.Unmarshal(admin(t, s, "GET", "/admin/status", "", 200), &st); err != nil {
		t.Fatal(err)
	}
	if st.MaxRequest != 1<<20 || st.MaxStored != 2<<20 || st.MaxMessages != 1000 || st.PointeeDelayMs != 0 || st.DropPointees {
		t.Fatalf("status %+v", st)
	}
	json.Unmarshal(admin(t, s, "POST", "/admin/pointees", `{"pointeeDelayMs": 60000}`, 200), &st)
	if st.PointeeDelayMs != 60000 || s.node.Config().PointeeDelay != time.Minute {
		t.Fatalf("after setting the delay: %+v", st)
	}
	json.Unmarshal(admin(t, s, "POST", "/admin/pointees", `{"dropPointees": true}`, 200), &st)
	if !st.DropPointees || st.PointeeDelayMs != 60000 {
		t.Fatalf("after setting dropping: %+v", st)
	}
	admin(t, s, "POST", "/admin/pointees", `{"dropPointees": false}`, 200)
	json.Unmarshal(admin(t, s, "POST", "/admin/reset", "", 200), &st)
	if st.Messages != 0 || st.PointeeDelayMs != 60000 {
		t.Fatalf("reset forgets messages and keeps the configuration: %+v", st)
	}
}

func TestAdminRefusals(t *testing.T) {
	s := newSite(t, false, node.Config{})
	for _, c := range []struct {
		name, method, path, body string
		status                   int
	}{
		{"negative delay", "POST", "/admin/pointees", `{"pointeeDelayMs": -1}`, 400},
		{"delay too long", "POST", "/admin/pointees", `{"pointeeDelayMs": 99999999999}`, 400},
		{"unknown field", "POST", "/admin/pointees", `{"delay": 1}`, 400},
		{"not JSON", "POST", "/admin/pointees", `nope`, 400},
		{"wrong type", "POST", "/admin/pointees", `{"dropPointees": "yes"}`, 400},
		{"two objects", "POST", "/admin/pointees", `{} {}`, 400},
		{"too large", "POST", "/admin/pointees", `{"pointeeDelayMs": 1` + strings.Repeat(" ", 5000) + `}`, 400},
		{"no topic", "GET", "/admin/pointees", "", 400},
		{"bad topic", "GET", "/admin/pointees?topic=zz", "", 400},
		{"too many topics", "GET", "/admin/pointees?" + strings.Repeat("topic=00&", 101), "", 400},
		{"unknown endpoint", "GET", "/admin/nope", "", 404},
		{"wrong method", "GET", "/admin/reset", "", 405},
	} {
		t.Run(c.name, func(t *testing.T) {
			admin(t, s, c.method, c.path, c.body, c.status)
		})
	}
	if d := s.node.Config().PointeeDelay; d != 0 {
		t.Fatalf("a refused request changed the delay to %v", d)
	}
}

func TestAdminPointeeStates(t *testing.T) {
	s := newSite(t, false, node.Config{DropPointees: true})
	topic := make([]byte, 32)
	topic[0] = 7
	h := hex.EncodeToString(topic)
	var states map[string]struct {
		State     string
		VisibleAt *time.Time
	}
	json.Unmarshal(admin(t, s, "GET", "/admin/pointees?topic="+h+"&topic="+strings.ToUpper(h[:2])+h[2:], "", 200), &states)
	if len(states) != 1 || states[h].State != node.PointeeUnknown || states[h].VisibleAt != nil {
		t.Fatalf("states %+v", states)
	}
}
