package core_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/welcome-pointers/wasm/core"
)

var update = flag.Bool("update", false, "rewrite testdata/golden-invite.json from the current output")

const goldenPath = "testdata/golden-invite.json"

// goldenFile pins SealInvite's exact output for a fixed input.
type goldenFile struct {
	Comment        string          `json:"comment"`
	Seed           string          `json:"seed"`
	WelcomeSHA256  string          `json:"welcome_sha256"`
	Cursor         uint64          `json:"cursor"`
	Installations  []string        `json:"installations"`
	Messages       []goldenMessage `json:"messages"`
	InviteSHA256   string          `json:"invite_sha256"`
	DestinationHex string          `json:"destination"`
}

type goldenMessage struct {
	Kind            string `json:"kind"`
	InstallationKey string `json:"installation_key"`
	Size            int    `json:"size"`
	SHA256          string `json:"sha256"`
}

const goldenSeed = "welcome pointers golden invite v1"

// goldenInvite seals the pinned invite: 3 X-Wing installations and one
// CURVE25519, keys, ids and sealing randomness all drawn from SHAKE128
// streams of goldenSeed.
func goldenInvite(t *testing.T) ([]party, []byte, *core.Invite) {
	t.Helper()
	ps := newParties(t, goldenSeed+" keys", capable, capable, capable, curve)
	welcome := append([]byte{0x00, 0x01, 0x00, 0x03}, bytes.Repeat([]byte("golden welcome "), 64)...)
	inv, err := core.SealInvite(welcome, 42, installations(ps), deterministic(goldenSeed+" seal"))
	if err != nil {
		t.Fatal(err)
	}
	return ps, welcome, inv
}

func TestGoldenInvite(t *testing.T) {
	ps, welcome, inv := goldenInvite(t)

	// The pinned output must be a valid invite.
	net := newNetwork(t)
	net.publishInvite(inv)
	for _, p := range ps {
		if got := net.receive(p, nil); !bytes.Equal(got.welcome, welcome) || got.cursor != 42 {
			t.Fatalf("%v installation cannot open the golden invite", p.Capability)
		}
	}

	ws := sha256.Sum256(welcome)
	got := goldenFile{
		Comment: "sha256 of every message SealInvite emits for a fixed input and SHAKE128 randomness; " +
			"regenerate with: go test ./core/ -run TestGoldenInvite -update",
		Seed:           goldenSeed,
		WelcomeSHA256:  hex.EncodeToString(ws[:]),
		Cursor:         42,
		DestinationHex: hex.EncodeToString(inv.Destination),
	}
	for _, p := range ps {
		got.Installations = append(got.Installations, p.Capability.String()+" "+hex.EncodeToString(p.Installation.InstallationKey))
	}
	all := sha256.New()
	for _, m := range inv.Messages {
		sum := sha256.Sum256(m.Message)
		all.Write(m.Message)
		got.Messages = append(got.Messages, goldenMessage{
			Kind: m.Kind.String(), InstallationKey: hex.EncodeToString(m.InstallationKey),
			Size: len(m.Message), SHA256: hex.EncodeToString(sum[:]),
		})
	}
	got.InviteSHA256 = hex.EncodeToString(all.Sum(nil))

	if *update {
		b, err := json.MarshalIndent(got, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(goldenPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenPath, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", goldenPath)
		return
	}
	b, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatalf("%v (generate it with -update)", err)
	}
	var want goldenFile
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if want.WelcomeSHA256 != got.WelcomeSHA256 || want.Seed != got.Seed || want.Cursor != got.Cursor {
		t.Fatal("the golden input changed")
	}
	for i, p := range got.Installations {
		if i >= len(want.Installations) || want.Installations[i] != p {
			t.Fatalf("installation %d is %s, want %v (key generation changed)", i, p, want.Installations)
		}
	}
	if len(got.Messages) != len(want.Messages) {
		t.Fatalf("%d messages, golden has %d", len(got.Messages), len(want.Messages))
	}
	for i := range got.Messages {
		if got.Messages[i] != want.Messages[i] {
			t.Errorf("message %d:\n got %+v\nwant %+v", i, got.Messages[i], want.Messages[i])
		}
	}
	if got.DestinationHex != want.DestinationHex || got.InviteSHA256 != want.InviteSHA256 {
		t.Error("destination or whole-invite digest changed")
	}
}
