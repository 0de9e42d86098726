package core_test

// Cross-checks against implementations this package does not share code
// with: the generated protobuf types (proto.Unmarshal/Marshal), crypto/hpke
// (X-Wing with KEM id 0x647a, DHKEM(X25519)) and x/crypto's
// ChaCha20-Poly1305.

import (
	"bytes"
	"crypto/sha256"
	"strconv"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"
	"google.golang.org/protobuf/proto"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/core/xmtpnode"
	mc "github.com/welcome-pointers/wasm/internal/pb/messagecontents"
	"github.com/welcome-pointers/wasm/internal/pb/mlsv1"
)

func oraclePointer(p *core.Pointer) *mc.WelcomePointer {
	return &mc.WelcomePointer{Version: &mc.WelcomePointer_WelcomeV1Pointer_{WelcomeV1Pointer: &mc.WelcomePointer_WelcomeV1Pointer{
		Destination:          p.Destination,
		AeadType:             mc.WelcomePointeeEncryptionAeadType(p.AEADType),
		EncryptionKey:        p.EncryptionKey,
		DataNonce:            p.DataNonce,
		WelcomeMetadataNonce: p.WelcomeMetadataNonce,
	}}}
}

// oracleToMessage is what a node makes of a WelcomeMessageInput, built
// with the generated types.
func oracleToMessage(in *mlsv1.WelcomeMessageInput, id, created uint64) *mlsv1.WelcomeMessage {
	if v := in.GetV1(); v != nil {
		return &mlsv1.WelcomeMessage{Version: &mlsv1.WelcomeMessage_V1_{V1: &mlsv1.WelcomeMessage_V1{
			Id: id, CreatedNs: created, InstallationKey: v.InstallationKey, Data: v.Data,
			HpkePublicKey: v.HpkePublicKey, WrapperAlgorithm: v.WrapperAlgorithm, WelcomeMetadata: v.WelcomeMetadata,
		}}}
	}
	p := in.GetWelcomePointer()
	return &mlsv1.WelcomeMessage{Version: &mlsv1.WelcomeMessage_WelcomePointer_{WelcomePointer: &mlsv1.WelcomeMessage_WelcomePointer{
		Id: id, CreatedNs: created, InstallationKey: p.InstallationKey, WelcomePointer: p.WelcomePointer,
		HpkePublicKey: p.HpkePublicKey, WrapperAlgorithm: p.WrapperAlgorithm,
	}}}
}

func oracleMetadata(t testing.TB, b []byte) uint64 {
	t.Helper()
	var md mlsv1.WelcomeMetadata
	if err := proto.Unmarshal(b, &md); err != nil {
		t.Fatalf("generated WelcomeMetadata rejects the plaintext: %v", err)
	}
	return md.GetMessageCursor()
}

// TestOracleInvite decodes every message SealInvite emits with the
// generated WelcomeMessageInput and checks each field against the spec;
// the ciphertexts are opened with crypto/hpke and x/crypto where the suite
// allows it.
func TestOracleInvite(t *testing.T) {
	ps := newParties(t, "oracle", capable, capable, capable, curve, xwingNoAEADs)
	byID := make(map[string]party)
	for _, p := range ps {
		byID[string(p.Installation.InstallationKey)] = p
	}
	welcome := testWelcome(1000)
	const cursor = 42
	for _, kem := range []core.KEMID{core.KEMXWingDeployed, core.KEMXWing} {
		opts := core.WithRand(&core.SealOptions{KEMID: kem}, stream("oracle invite"))
		inv, err := core.SealInvite(welcome, cursor, installations(ps), opts)
		if err != nil {
			t.Fatal(err)
		}
		// The pointer every recipient gets, opened by the package.
		rec, err := core.OpenWelcome(inv.Messages[1].Message, []*core.PrivateKey{ps[0].Key}, inputForm)
		if err != nil {
			t.Fatal(err)
		}
		ptr := rec.Pointer
		wantPointerPlain := marshal(t, oraclePointer(ptr))

		for i, m := range inv.Messages {
			t.Run(kemName(kem)+"/"+m.Kind.String()+"/"+strconv.Itoa(i), func(t *testing.T) {
				in := decodeInput(t, m.Message)
				if !bytes.Equal(marshal(t, in), m.Message) {
					t.Error("the message is not the deterministic encoding of its fields")
				}
				switch m.Kind {
				case core.KindPointee:
					v := in.GetV1()
					if v == nil {
						t.Fatal("pointee is not a V1")
					}
					if !bytes.Equal(v.InstallationKey, inv.Destination) || !bytes.Equal(m.InstallationKey, inv.Destination) {
						t.Error("pointee installation_key is not the destination")
					}
					if len(v.HpkePublicKey) != 0 {
						t.Error("pointee has an hpke_public_key")
					}
					if v.WrapperAlgorithm != mc.WelcomeWrapperAlgorithm_WELCOME_WRAPPER_ALGORITHM_SYMMETRIC_KEY {
						t.Errorf("pointee wrapper_algorithm %v", v.WrapperAlgorithm)
					}
					if len(v.WelcomeMetadata) == 0 {
						t.Error("pointee without welcome_metadata")
					}
					// Open with x/crypto directly, with the pointer's fields.
					aead, err := chacha20poly1305.New(ptr.EncryptionKey)
					if err != nil {
						t.Fatal(err)
					}
					w, err := aead.Open(nil, ptr.DataNonce, v.Data, nil)
					if err != nil || !bytes.Equal(w, welcome) {
						t.Fatalf("pointee data does not open to the welcome: %v", err)
					}
					md, err := aead.Open(nil, ptr.WelcomeMetadataNonce, v.WelcomeMetadata, nil)
					if err != nil {
						t.Fatal(err)
					}
					if got := oracleMetadata(t, md); got != cursor {
						t.Errorf("pointee cursor %d", got)
					}

				case core.KindPointer:
					p := in.GetWelcomePointer()
					if p == nil {
						t.Fatal("pointer is not a WelcomePointer")
					}
					to, ok := byID[string(p.InstallationKey)]
					if !ok || to.Capability != capable || !bytes.Equal(m.InstallationKey, p.InstallationKey) {
						t.Fatalf("pointer to %x", p.InstallationKey)
					}
					if p.WrapperAlgorithm != mc.WelcomePointerWrapperAlgorithm_WELCOME_POINTER_WRAPPER_ALGORITHM_XWING_MLKEM_768_DRAFT_6 {
						t.Errorf("pointer wrapper_algorithm %v", p.WrapperAlgorithm)
					}
					if len(p.HpkePublicKey) != 1216 || !bytes.Equal(p.HpkePublicKey, to.Key.PublicKey()) {
						t.Errorf("pointer hpke_public_key of %d bytes, not the recipient's", len(p.HpkePublicKey))
					}
					if !bytes.HasPrefix(p.WelcomePointer, []byte{0x44, 0x60}) {
						t.Errorf("sealed pointer starts %x, want 4460", p.WelcomePointer[:2])
					}
					enc, ct := splitHpkeCiphertext(t, p.WelcomePointer)
					if len(enc) != 1120 || len(ct) != len(wantPointerPlain)+16 {
						t.Errorf("sealed pointer: %d-byte kem_output, %d-byte ciphertext", len(enc), len(ct))
					}
					pts, err := stdOpen(to.Key, p.WelcomePointer)
					checkStdOpen(t, kem, err)
					if err == nil {
						if !bytes.Equal(pts[0], wantPointerPlain) {
							t.Fatal("crypto/hpke opens the pointer to another plaintext")
						}
						var wp mc.WelcomePointer
						if err := proto.Unmarshal(pts[0], &wp); err != nil {
							t.Fatal(err)
						}
						v := wp.GetWelcomeV1Pointer()
						if !bytes.Equal(v.GetDestination(), inv.Destination) || v.GetAeadType() != mc.WelcomePointeeEncryptionAeadType_WELCOME_POINTEE_ENCRYPTION_AEAD_TYPE_CHACHA20_POLY1305 ||
							len(v.GetEncryptionKey()) != 32 || len(v.GetDataNonce()) != 12 || len(v.GetWelcomeMetadataNonce()) != 12 ||
							bytes.Equal(v.GetDataNonce(), v.GetWelcomeMetadataNonce()) {
							t.Fatalf("WelcomePointer plaintext: %v", &wp)
						}
					}

				case core.KindDirect:
					v := in.GetV1()
					if v == nil {
						t.Fatal("direct welcome is not a V1")
					}
					to, ok := byID[string(v.InstallationKey)]
					if !ok || to.Capability == capable {
						t.Fatalf("direct welcome to %x", v.InstallationKey)
					}
					if !bytes.Equal(v.HpkePublicKey, to.Key.PublicKey()) || int32(v.WrapperAlgorithm) != int32(to.Key.Algorithm()) {
						t.Errorf("direct welcome wrapped with %v to another key", v.WrapperAlgorithm)
					}
					wantEnc, prefix := 1120, []byte{0x44, 0x60}
					if to.Capability == curve {
						wantEnc, prefix = 32, []byte{0x20}
					}
					if !bytes.HasPrefix(v.Data, prefix) {
						t.Errorf("direct data starts %x, want %x", v.Data[:2], prefix)
					}
					enc, ct := splitHpkeCiphertext(t, v.Data)
					if len(enc) != wantEnc || len(ct) != len(welcome)+16 {
						t.Errorf("direct data: %d-byte kem_output, %d-byte ciphertext", len(enc), len(ct))
					}
					if len(v.WelcomeMetadata) != 16+2 { // 08 2a + tag
						t.Errorf("welcome_metadata of %d bytes", len(v.WelcomeMetadata))
					}
					pts, err := stdOpen(to.Key, v.Data, v.WelcomeMetadata)
					if to.Capability == curve {
						// DHKEM(X25519) is the standard suite whatever the X-Wing id.
						if err != nil {
							t.Fatalf("crypto/hpke cannot open the X25519 direct welcome: %v", err)
						}
					} else {
						checkStdOpen(t, kem, err)
					}
					if err == nil {
						if !bytes.Equal(pts[0], welcome) {
							t.Error("crypto/hpke opens the direct welcome to another plaintext")
						}
						if got := oracleMetadata(t, pts[1]); got != cursor {
							t.Errorf("seal #1 holds cursor %d", got)
						}
					}
				}
			})
		}
	}
}

func kemName(k core.KEMID) string {
	if k == core.KEMXWing {
		return "0x647a"
	}
	return "0x004D"
}

// checkStdOpen: crypto/hpke implements X-Wing with the registered id
// 0x647a only, so it must open what was sealed with 0x647a and must not
// open what was sealed with the deployed 0x004D.
func checkStdOpen(t *testing.T, kem core.KEMID, err error) {
	t.Helper()
	if kem == core.KEMXWing && err != nil {
		t.Fatalf("crypto/hpke cannot open a 0x647a message: %v", err)
	}
	if kem == core.KEMXWingDeployed && err == nil {
		t.Fatal("crypto/hpke opens a 0x004D message: the suite id is not 0x004D")
	}
}

// TestOracleToWelcomeMessage: what a node returns decodes as the generated
// WelcomeMessage with the input's fields and the given id and created_ns,
// byte for byte as the generated code would encode it.
func TestOracleToWelcomeMessage(t *testing.T) {
	ps := newParties(t, "oracle node", capable, capable, capable, curve)
	inv, err := core.SealInvite(testWelcome(300), 9, installations(ps), deterministic("oracle node"))
	if err != nil {
		t.Fatal(err)
	}
	ids := []struct{ id, created uint64 }{{0, 0}, {1, 2}, {1 << 63, 1_750_000_000_123_456_789}, {^uint64(0), ^uint64(0)}}
	for i, m := range inv.Messages {
		for _, id := range ids {
			t.Run(m.Kind.String()+"/"+strconv.Itoa(i)+"/id "+strconv.FormatUint(id.id, 10), func(t *testing.T) {
				out, err := xmtpnode.ToWelcomeMessage(m.Message, id.id, id.created)
				if err != nil {
					t.Fatal(err)
				}
				in := decodeInput(t, m.Message)
				got := decodeMessage(t, out)
				want := oracleToMessage(in, id.id, id.created)
				if !proto.Equal(got, want) {
					t.Fatalf("node output\n%v\nwant\n%v", got, want)
				}
				if !bytes.Equal(out, marshal(t, want)) {
					t.Fatal("node output is not the deterministic encoding")
				}
				var gotID, gotCreated uint64
				if v := got.GetV1(); v != nil {
					gotID, gotCreated = v.GetId(), v.GetCreatedNs()
				} else {
					gotID, gotCreated = got.GetWelcomePointer().GetId(), got.GetWelcomePointer().GetCreatedNs()
				}
				if gotID != id.id || gotCreated != id.created {
					t.Fatalf("id %d created_ns %d", gotID, gotCreated)
				}

				// The node's topic and deduplication key.
				topic, dedup, err := xmtpnode.InputTopic(m.Message)
				if err != nil {
					t.Fatal(err)
				}
				var ik, data []byte
				if v := in.GetV1(); v != nil {
					ik, data = v.InstallationKey, v.Data
				} else {
					ik, data = in.GetWelcomePointer().InstallationKey, in.GetWelcomePointer().WelcomePointer
				}
				if !bytes.Equal(topic, ik) || dedup != sha256.Sum256(append(bytes.Clone(ik), data...)) {
					t.Fatalf("InputTopic = %x, %x", topic, dedup)
				}
			})
		}
	}
}

// TestOracleEncodings: the stored pointer and the extension payloads are
// the generated code's deterministic encodings.
func TestOracleEncodings(t *testing.T) {
	r := stream("encodings")
	xk, _ := core.GenerateKeyFrom(core.AlgorithmXWing, r)
	ck, _ := core.GenerateKeyFrom(core.AlgorithmCurve25519, r)
	t.Run("Pointer.Marshal", func(t *testing.T) {
		p := &core.Pointer{
			Destination:          readN(t, r, 32),
			AEADType:             core.AEADChaCha20Poly1305,
			EncryptionKey:        readN(t, r, 32),
			DataNonce:            readN(t, r, 12),
			WelcomeMetadataNonce: readN(t, r, 12),
		}
		if got, want := p.Marshal(), marshal(t, oraclePointer(p)); !bytes.Equal(got, want) {
			t.Fatalf("Marshal() = %x\nwant      %x", got, want)
		}
	})
	for _, k := range []*core.PrivateKey{xk, ck} {
		t.Run("EncodeWrapperEncryption "+k.Algorithm().String(), func(t *testing.T) {
			want := marshal(t, &mc.WelcomeWrapperEncryption{PubKey: k.PublicKey(), Algorithm: mc.WelcomeWrapperAlgorithm(k.Algorithm())})
			if got := mustEncodeWrapper(t, k); !bytes.Equal(got, want) {
				t.Fatal("EncodeWrapperEncryption differs from the generated encoding")
			}
		})
	}
	t.Run("EncodePointeeAEADTypes", func(t *testing.T) {
		for _, types := range [][]core.AEADType{{3}, {3, 0}, {9, 3, 200}} {
			ot := &mc.WelcomePointeeEncryptionAeadTypesExtension{}
			for _, x := range types {
				ot.SupportedAeadTypes = append(ot.SupportedAeadTypes, mc.WelcomePointeeEncryptionAeadType(x))
			}
			if got, want := core.EncodePointeeAEADTypes(types), marshal(t, ot); !bytes.Equal(got, want) {
				t.Fatalf("EncodePointeeAEADTypes(%v) = %x, want %x", types, got, want)
			}
		}
	})
}

// TestOracleSender: messages built by independent code (generated types,
// crypto/hpke with 0x647a, x/crypto ChaCha20-Poly1305) open with the package.
func TestOracleSender(t *testing.T) {
	ps := newParties(t, "oracle sender", capable, curve)
	xw, cv := ps[0], ps[1]
	welcome := []byte("\x00\x01\x00\x03 a welcome sealed by independent code")
	r := stream("oracle sender pointer")
	ptr := &core.Pointer{
		Destination: readN(t, r, 32), AEADType: core.AEADChaCha20Poly1305,
		EncryptionKey: readN(t, r, 32), DataNonce: readN(t, r, 12), WelcomeMetadataNonce: readN(t, r, 12),
	}
	md := marshal(t, &mlsv1.WelcomeMetadata{MessageCursor: 1234})

	t.Run("pointer and pointee", func(t *testing.T) {
		sealed, _ := stdSeal(t, core.AlgorithmXWing, xw.Key.PublicKey(), marshal(t, oraclePointer(ptr)))
		msg := marshal(t, &mlsv1.WelcomeMessage{Version: &mlsv1.WelcomeMessage_WelcomePointer_{WelcomePointer: &mlsv1.WelcomeMessage_WelcomePointer{
			Id: 5, CreatedNs: 6, InstallationKey: xw.Installation.InstallationKey, WelcomePointer: sealed,
			HpkePublicKey: xw.Key.PublicKey(), WrapperAlgorithm: 2,
		}}})
		rec, err := core.OpenWelcome(msg, []*core.PrivateKey{xw.Key}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Kind != core.KindPointer || rec.KEMID != core.KEMXWing || rec.ID != 5 || rec.CreatedNs != 6 {
			t.Fatalf("%+v", rec)
		}
		if rec.Pointer.ID() != ptr.ID() {
			t.Fatal("opened another pointer")
		}
		aead, _ := chacha20poly1305.New(ptr.EncryptionKey)
		pointee := marshal(t, &mlsv1.WelcomeMessage{Version: &mlsv1.WelcomeMessage_V1_{V1: &mlsv1.WelcomeMessage_V1{
			Id: 4, InstallationKey: ptr.Destination,
			Data:             aead.Seal(nil, ptr.DataNonce, welcome, nil),
			WrapperAlgorithm: mc.WelcomeWrapperAlgorithm_WELCOME_WRAPPER_ALGORITHM_SYMMETRIC_KEY,
			WelcomeMetadata:  aead.Seal(nil, ptr.WelcomeMetadataNonce, md, nil),
		}}})
		op, err := core.OpenPointee(rec.Pointer, pointee, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(op.Welcome, welcome) || op.Cursor != 1234 || !op.HasCursor {
			t.Fatalf("%+v", op)
		}
	})
	for _, p := range []party{xw, cv} {
		t.Run("direct "+p.Capability.String(), func(t *testing.T) {
			data, more := stdSeal(t, p.Key.Algorithm(), p.Key.PublicKey(), welcome, md)
			input := marshal(t, &mlsv1.WelcomeMessageInput{Version: &mlsv1.WelcomeMessageInput_V1_{V1: &mlsv1.WelcomeMessageInput_V1{
				InstallationKey: p.Installation.InstallationKey, Data: data, HpkePublicKey: p.Key.PublicKey(),
				WrapperAlgorithm: mc.WelcomeWrapperAlgorithm(p.Key.Algorithm()), WelcomeMetadata: more[0],
			}}})
			rec, err := core.OpenWelcome(toMessage(t, input, 8), []*core.PrivateKey{p.Key}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(rec.Welcome, welcome) || rec.Cursor != 1234 || !rec.HasCursor {
				t.Fatalf("%+v", rec)
			}
		})
	}
}
