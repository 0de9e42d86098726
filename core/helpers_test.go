package core_test

// Shared fixtures of the core tests: deterministic randomness, recipient
// installations of every capability, a stand-in for the network, the
// generated protobuf types as an oracle, and crypto/hpke as an independent
// HPKE implementation.

import (
	"bytes"
	"crypto/ecdh"
	stdhpke "crypto/hpke"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/core/xmtpnode"
	"github.com/welcome-pointers/wasm/internal/fixtures"
	"github.com/welcome-pointers/wasm/internal/pb/mlsv1"
)

// stream is fixtures.Stream: SHAKE128 of label.
func stream(label string) io.Reader { return fixtures.Stream(label) }

// inputForm opens the published form (WelcomeMessageInput).
var inputForm = &core.OpenOptions{Form: core.FormInput}

// formOf is the options that open the published form when input is set
// (nil, the defaults, otherwise).
func formOf(input bool) *core.OpenOptions {
	if input {
		return inputForm
	}
	return nil
}

// withInputForm is opts (nil for the defaults) with FormInput.
func withInputForm(opts *core.OpenOptions) *core.OpenOptions {
	o := core.OpenOptions{Form: core.FormInput}
	if opts != nil {
		o.MaxMessageSize = opts.MaxMessageSize
	}
	return &o
}

// deterministic returns seal options whose randomness is stream(label).
func deterministic(label string) *core.SealOptions {
	return core.WithRand(&core.SealOptions{}, stream(label))
}

func readN(t testing.TB, r io.Reader, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		t.Fatal(err)
	}
	return b
}

// The sentinels of errors.go; every error of the package wraps exactly one.
var sentinels = []error{
	core.ErrMalformed, core.ErrDecrypt, core.ErrNoMatchingKey, core.ErrUnsupported,
	core.ErrNotPointee, core.ErrTooLarge, core.ErrInvalidKey, core.ErrInvalidArgument,
	core.ErrExpired, core.ErrAttemptsExhausted,
}

// sentinelCount is how many sentinels err wraps.
func sentinelCount(err error) int {
	n := 0
	for _, s := range sentinels {
		if errors.Is(err, s) {
			n++
		}
	}
	return n
}

// checkErr fails unless err wraps want and no other sentinel.
func checkErr(t testing.TB, err, want error) {
	t.Helper()
	if err == nil {
		t.Fatalf("succeeded, want %v", want)
	}
	if !errors.Is(err, want) {
		t.Fatalf("error %q, want %v", err, want)
	}
	if n := sentinelCount(err); n != 1 {
		t.Fatalf("error %q wraps %d sentinels, want exactly one", err, n)
	}
}

// checkDecrypt fails unless err is ErrDecrypt without any detail: every
// decryption failure must look the same.
func checkDecrypt(t testing.TB, err error) {
	t.Helper()
	checkErr(t, err, core.ErrDecrypt)
	if err.Error() != core.ErrDecrypt.Error() {
		t.Fatalf("decryption error %q carries detail", err)
	}
}

// checkSentinel fails unless err is nil or wraps exactly one sentinel.
func checkSentinel(t testing.TB, err error) {
	t.Helper()
	if err != nil && sentinelCount(err) != 1 {
		t.Fatalf("error %q wraps %d sentinels, want exactly one", err, sentinelCount(err))
	}
}

// The recipients of every capability, the Welcomes and the network
// (package fixtures).
type (
	capability = fixtures.Capability
	party      = fixtures.Party
)

const (
	capable      = fixtures.Capable
	curve        = fixtures.Curve
	xwingNoAEADs = fixtures.XWingNoAEADs
	xwingNo3     = fixtures.XWingNo3
)

var (
	typicalAEADTypes = fixtures.TypicalAEADTypes
	repeatCap        = fixtures.Repeat
	installations    = fixtures.Installations
	testWelcome      = fixtures.Welcome
	createdNs        = fixtures.CreatedNs
)

func newParty(t testing.TB, r io.Reader, c capability) party {
	t.Helper()
	p, err := fixtures.NewParty(r, c)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// newParties builds one party per capability, from stream(label).
func newParties(t testing.TB, label string, caps ...capability) []party {
	t.Helper()
	ps, err := fixtures.Parties(label, caps...)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func mustEncodeWrapper(t testing.TB, k *core.PrivateKey) []byte {
	t.Helper()
	b, err := core.EncodeWrapperEncryption(k.PublicKey(), k.Algorithm())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// network is fixtures.Network, failing the test on a refused message.
type network struct {
	t testing.TB
	*fixtures.Network
}

func newNetwork(t testing.TB) *network { return &network{t, fixtures.NewNetwork()} }

func (n *network) publish(input []byte) {
	n.t.Helper()
	if err := n.Publish(input); err != nil {
		n.t.Fatalf("node rejects the message: %v", err)
	}
}

func (n *network) publishInvite(inv *core.Invite) {
	n.t.Helper()
	if err := n.PublishInvite(inv); err != nil {
		n.t.Fatalf("node rejects the message: %v", err)
	}
}

// read returns the messages on topic, in order.
func (n *network) read(topic []byte) [][]byte { return n.Read(topic) }

// opened is what one recipient got out of an invite.
type opened struct {
	rec     *core.Received
	welcome []byte
	cursor  uint64
}

// receive reads p's single message from the network and opens it, and the
// pointee if it is a pointer. The keys given are p's own and a stranger's,
// so the right one has to be found.
func (n *network) receive(p party, stranger *core.PrivateKey) opened {
	t := n.t
	t.Helper()
	msgs := n.read(p.Installation.InstallationKey)
	if len(msgs) != 1 {
		t.Fatalf("installation %x has %d messages, want 1", p.Installation.InstallationKey[:4], len(msgs))
	}
	rec, err := core.OpenWelcome(msgs[0], []*core.PrivateKey{stranger, p.Key}, nil)
	if err != nil {
		t.Fatalf("%v installation: OpenWelcome: %v", p.Capability, err)
	}
	switch rec.Kind {
	case core.KindDirect:
		if !rec.HasCursor {
			t.Fatal("direct welcome without a cursor")
		}
		return opened{rec: rec, welcome: rec.Welcome, cursor: rec.Cursor}
	case core.KindPointer:
		pointee := n.read(rec.Pointer.Topic())
		if len(pointee) == 0 {
			t.Fatal("no pointee on the pointer's topic")
		}
		op, err := core.OpenPointee(rec.Pointer, pointee[0], nil)
		if err != nil {
			t.Fatalf("OpenPointee: %v", err)
		}
		return opened{rec: rec, welcome: op.Welcome, cursor: op.Cursor}
	}
	t.Fatalf("OpenWelcome returned kind %v", rec.Kind)
	return opened{}
}

// --- the generated protobuf types as an oracle ---

func decodeInput(t testing.TB, b []byte) *mlsv1.WelcomeMessageInput {
	t.Helper()
	m := new(mlsv1.WelcomeMessageInput)
	if err := proto.Unmarshal(b, m); err != nil {
		t.Fatalf("generated WelcomeMessageInput rejects the message: %v", err)
	}
	return m
}

func decodeMessage(t testing.TB, b []byte) *mlsv1.WelcomeMessage {
	t.Helper()
	m := new(mlsv1.WelcomeMessage)
	if err := proto.Unmarshal(b, m); err != nil {
		t.Fatalf("generated WelcomeMessage rejects the message: %v", err)
	}
	return m
}

func marshal(t testing.TB, m proto.Message) []byte {
	t.Helper()
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// editInput decodes a WelcomeMessageInput, lets edit change it and
// encodes it again.
func editInput(t testing.TB, b []byte, edit func(*mlsv1.WelcomeMessageInput)) []byte {
	t.Helper()
	m := decodeInput(t, b)
	edit(m)
	return marshal(t, m)
}

// editMessage is editInput for a WelcomeMessage.
func editMessage(t testing.TB, b []byte, edit func(*mlsv1.WelcomeMessage)) []byte {
	t.Helper()
	m := decodeMessage(t, b)
	edit(m)
	return marshal(t, m)
}

// toMessage is ToWelcomeMessage that must succeed.
func toMessage(t testing.TB, input []byte, id uint64) []byte {
	t.Helper()
	msg, err := xmtpnode.ToWelcomeMessage(input, id, createdNs(id))
	if err != nil {
		t.Fatalf("ToWelcomeMessage: %v", err)
	}
	return msg
}

// --- crypto/hpke as an independent HPKE ---

// welcomeInfo is the spec's info: 13 "MLS 1.0 MLS_WELCOME" 00.
var welcomeInfo = append(append([]byte{0x13}, "MLS 1.0 MLS_WELCOME"...), 0x00)

func stdKEM(alg core.Algorithm) stdhpke.KEM {
	if alg == core.AlgorithmCurve25519 {
		return stdhpke.DHKEM(ecdh.X25519())
	}
	return stdhpke.MLKEM768X25519() // X-Wing, KEM id 0x647a
}

// mlsVarint is RFC 9420's variable-length integer, written independently
// of the package under test.
func mlsVarint(n int) []byte {
	switch {
	case n < 1<<6:
		return []byte{byte(n)}
	case n < 1<<14:
		return binary.BigEndian.AppendUint16(nil, 0x4000|uint16(n))
	}
	return binary.BigEndian.AppendUint32(nil, 0x80000000|uint32(n))
}

func hpkeCiphertext(enc, ct []byte) []byte {
	b := append(mlsVarint(len(enc)), enc...)
	b = append(b, mlsVarint(len(ct))...)
	return append(b, ct...)
}

// parseHpkeCiphertext parses a TLS HpkeCiphertext, written independently
// of the package under test.
func parseHpkeCiphertext(b []byte) (enc, ct []byte, err error) {
	opaque := func(b []byte) ([]byte, []byte, error) {
		if len(b) == 0 {
			return nil, nil, errors.New("HpkeCiphertext: truncated")
		}
		size := 1 << (b[0] >> 6)
		if size == 8 || len(b) < size {
			return nil, nil, errors.New("HpkeCiphertext: bad length prefix")
		}
		n := int(b[0] & 0x3f)
		for _, c := range b[1:size] {
			n = n<<8 | int(c)
		}
		if b = b[size:]; n > len(b) {
			return nil, nil, errors.New("HpkeCiphertext: truncated")
		}
		return b[:n], b[n:], nil
	}
	enc, rest, err := opaque(b)
	if err != nil {
		return nil, nil, err
	}
	if ct, rest, err = opaque(rest); err != nil {
		return nil, nil, err
	}
	if len(rest) != 0 {
		return nil, nil, errors.New("HpkeCiphertext: trailing bytes")
	}
	return enc, ct, nil
}

func splitHpkeCiphertext(t testing.TB, b []byte) (enc, ct []byte) {
	t.Helper()
	enc, ct, err := parseHpkeCiphertext(b)
	if err != nil {
		t.Fatal(err)
	}
	return enc, ct
}

// stdSeal seals plaintexts in sequence to pub with crypto/hpke (X-Wing
// with the registered KEM id 0x647a, which receivers accept). The first
// is returned as a TLS HpkeCiphertext, the others as raw AEAD output.
func stdSeal(t testing.TB, alg core.Algorithm, pub []byte, plaintexts ...[]byte) (data []byte, more [][]byte) {
	t.Helper()
	pk, err := stdKEM(alg).NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	enc, s, err := stdhpke.NewSender(pk, stdhpke.HKDFSHA256(), stdhpke.ChaCha20Poly1305(), welcomeInfo)
	if err != nil {
		t.Fatal(err)
	}
	for i, pt := range plaintexts {
		ct, err := s.Seal(nil, pt)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			data = hpkeCiphertext(enc, ct)
		} else {
			more = append(more, ct)
		}
	}
	return data, more
}

// stdOpen opens a TLS HpkeCiphertext and then the raw AEAD outputs that
// follow it in the same context, with crypto/hpke.
func stdOpen(k *core.PrivateKey, data []byte, more ...[]byte) ([][]byte, error) {
	sk, err := stdKEM(k.Algorithm()).NewPrivateKey(k.Bytes())
	if err != nil {
		return nil, err
	}
	enc, ct, err := parseHpkeCiphertext(data)
	if err != nil {
		return nil, err
	}
	r, err := stdhpke.NewRecipient(enc, sk, stdhpke.HKDFSHA256(), stdhpke.ChaCha20Poly1305(), welcomeInfo)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for _, c := range append([][]byte{ct}, more...) {
		pt, err := r.Open(nil, c)
		if err != nil {
			return nil, err
		}
		out = append(out, pt)
	}
	return out, nil
}

// flipBit returns a copy of b with bit i (0 = lowest bit of b[0]) flipped.
func flipBit(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i/8] ^= 1 << (i % 8)
	return c
}

// fixture is one invite with a pointee, three pointers, a CURVE25519 direct
// welcome and an X-Wing direct welcome, in both wire forms.
type fixture struct {
	ps      []party // 3 capable, curve, xwingNoAEADs
	inv     *core.Invite
	welcome []byte
	cursor  uint64
	pointer *core.Pointer

	// Published (WelcomeMessageInput) and read-back (WelcomeMessage) forms.
	pointeeIn, pointerIn, curveIn, xwingIn     []byte
	pointeeMsg, pointerMsg, curveMsg, xwingMsg []byte
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{
		ps:      newParties(t, "fixture", capable, capable, capable, curve, xwingNoAEADs),
		welcome: testWelcome(150),
		cursor:  1 << 33,
	}
	inv, err := core.SealInvite(f.welcome, f.cursor, installations(f.ps), deterministic("fixture"))
	if err != nil {
		t.Fatal(err)
	}
	f.inv = inv
	f.pointeeIn, f.pointerIn = inv.Messages[0].Message, inv.Messages[1].Message
	f.curveIn, f.xwingIn = inv.Messages[4].Message, inv.Messages[5].Message
	f.pointeeMsg, f.pointerMsg = toMessage(t, f.pointeeIn, 1), toMessage(t, f.pointerIn, 2)
	f.curveMsg, f.xwingMsg = toMessage(t, f.curveIn, 5), toMessage(t, f.xwingIn, 6)
	rec, err := core.OpenWelcome(f.pointerMsg, []*core.PrivateKey{f.ps[0].Key}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.pointer = rec.Pointer
	return f
}

// keys returns every private key of the fixture.
func (f *fixture) keys() []*core.PrivateKey {
	ks := make([]*core.PrivateKey, len(f.ps))
	for i, p := range f.ps {
		ks[i] = p.Key
	}
	return ks
}
