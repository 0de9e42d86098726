package ops

import (
	"fmt"
	"unsafe"

	"github.com/welcome-pointers/wasm/core"
)

// The JS package's WebCrypto paths (Info.Only JS). A browser's WebCrypto
// runs X-Wing (MLKEM768-X25519) and ChaCha20-Poly1305 several times
// faster than WebAssembly, so the JS package does the KEM or the AEAD
// there and these operations do the rest through the core
// (core.SealPointersEncapsulated, core.SealedWelcome, core.NewPointee,
// core.SealedPointee): the same bytes and the same errors as the
// WebAssembly path. checkInvite and sealPointersEncapsulated are in the
// ABI too: a Go host has a native X-Wing (host.WithNativeKEM).

var KEMProbe = Define(Info{Name: "kemProbe", Internal: true, Only: JS,
	Doc: "A fresh throwaway X-Wing key and an encapsulation to it by the module's X-Wing, to check the browser's against before using it."},
	none,
	func(f Fields, r *Probe) {
		f.Bytes(Field{Name: "seed"}, &r.Seed)
		f.Bytes(Field{Name: "publicKey"}, &r.PublicKey)
		f.Bytes(Field{Name: "ciphertext"}, &r.Encapsulation.Ciphertext)
		f.Bytes(Field{Name: "sharedSecret"}, &r.Encapsulation.SharedSecret)
	},
	func(_ Env, _ *None, r *Probe) (err error) {
		r.Seed, r.PublicKey, r.Encapsulation, err = core.XWingSample()
		return err
	})

// Probe is kemProbe's result: nobody's key.
type Probe struct {
	Seed, PublicKey []byte
	Encapsulation   core.Encapsulation
}

var CheckInvite = Define(Info{Name: "checkInvite", Internal: true, Go: "Module.CheckInvite", Seal: true,
	Doc: "Every check of sealInvite, with its errors, and which installations take pointers: a split sealing (workers, WebCrypto) runs it first, so that its parts fail nowhere."},
	func(f Fields, a *SealArgs) {
		// Read as sealInvite reads it, with its errors; only its length counts.
		f.Bytes(Field{Name: "welcome", Max: a.Sealing.welcomeCap()}, &a.Welcome)
		Uint(f, Field{Name: "cursor", Arg: 1, Bits: 64}, &a.Cursor)
		sealing(f, &a.Sealing, 3)
		installations(f, Field{Name: "installations", Arg: 2}, &a.Installations)
	},
	func(f Fields, capable *[]bool) {
		List(f, Field{Max: maxInstallations}, capable, func(f Fields, b *bool) { f.Bool(Field{}, b) })
	},
	func(env Env, a *SealArgs, r *[]bool) (err error) {
		*r, err = core.CheckInvite(len(a.Welcome), a.Cursor, a.Installations, a.Sealing.options(env))
		return err
	})

// EncapsulatedArgs is sealPointers' arguments with the X-Wing
// encapsulations made by the caller: the shared secrets and ciphertexts
// of the n installations end to end, and the indices of those left to
// the core (the browser refused their key), whose slots are ignored.
type EncapsulatedArgs struct {
	SealPointersArgs
	SharedSecrets []byte // secret
	Ciphertexts   []byte
	Missing       []int
}

var SealPointersEncapsulated = Define(Info{Name: "sealPointersEncapsulated", Internal: true, Go: "Module.SealPointersEncapsulated", Async: true, Seal: true,
	Doc: "sealPointers with the X-Wing encapsulations made by the caller."},
	func(f Fields, a *EncapsulatedArgs) {
		pointerArg(f, 0, &a.Pointer)
		sealing(f, &a.Sealing, 3)
		installations(f, Field{Name: "installations", Arg: 1}, &a.Installations)
		// Capped by the installations' count; run checks the exact
		// lengths and the indices.
		n := int64(len(a.Installations))
		f.Object(Field{Name: "encapsulations", Arg: 2, Strict: true}, func(f Fields) {
			f.Bytes(Field{Name: "sharedSecrets", Max: n * core.KEMSharedSecretSize, Secret: true}, &a.SharedSecrets)
			f.Bytes(Field{Name: "ciphertexts", Max: n * core.XWingEncapsulationSize}, &a.Ciphertexts)
			List(f, Field{Name: "missing", Optional: true, Max: n}, &a.Missing, func(f Fields, i *int) {
				Uint(f, Field{Bits: 32, Max: maxEnum}, i)
			})
		})
	},
	messages,
	func(env Env, a *EncapsulatedArgs, r *[]core.OutgoingMessage) error {
		defer clear(a.SharedSecrets)
		defer clear(a.Pointer) // the bridge's copy: it holds the pointee's key
		n := len(a.Installations)
		if len(a.SharedSecrets) != n*core.KEMSharedSecretSize || len(a.Ciphertexts) != n*core.XWingEncapsulationSize {
			return fmt.Errorf("%w: encapsulations: %d bytes of shared secrets and %d of ciphertexts for %d installations, want %d and %d",
				core.ErrInvalidArgument, len(a.SharedSecrets), len(a.Ciphertexts), n, n*core.KEMSharedSecretSize, n*core.XWingEncapsulationSize)
		}
		encs := make([]core.Encapsulation, n)
		for i := range encs {
			s, c := i*core.KEMSharedSecretSize, i*core.XWingEncapsulationSize
			encs[i] = core.Encapsulation{
				SharedSecret: a.SharedSecrets[s : s+core.KEMSharedSecretSize : s+core.KEMSharedSecretSize],
				Ciphertext:   a.Ciphertexts[c : c+core.XWingEncapsulationSize : c+core.XWingEncapsulationSize],
			}
		}
		for _, i := range a.Missing {
			if i >= n {
				return fmt.Errorf("%w: encapsulations.missing: %d is not an installation's index", core.ErrInvalidArgument, i)
			}
			encs[i] = core.Encapsulation{}
		}
		ptr, err := core.ParsePointer(a.Pointer)
		if err != nil {
			return err
		}
		*r, err = core.SealPointersEncapsulated(ptr, a.Installations, encs, a.Sealing.options(env))
		return err
	})

// DecapsulatedArgs is openWelcome's arguments and, for
// openWelcomeDecapsulated, the X-Wing shared secret of the message.
type DecapsulatedArgs struct {
	OpenWelcomeArgs
	SharedSecret []byte // secret
}

func openWelcomeArgs(f Fields, a *OpenWelcomeArgs) {
	form(f, &a.Options, 2)
	f.Bytes(Field{Name: "message", Max: capOf(a.Options.MaxMessageSize)}, &a.Message)
	maxMessageSize(f, &a.Options, 2)
	keys(f, Field{Name: "keys", Arg: 1}, &a.Keys)
}

// parseWelcome is opening's first step: the keys loaded, the message
// parsed and matched to one of them.
func (a *OpenWelcomeArgs) parseWelcome() (*core.SealedWelcome, []*core.PrivateKey, error) {
	keys, err := a.loadKeys()
	if err != nil {
		return nil, nil, err
	}
	w, err := core.ParseWelcome(a.Message, keys, &a.Options)
	return w, keys, err
}

// KEMFound is openWelcomeKEM's result: the key's index, and the X-Wing
// encapsulation to decapsulate with it, named by the key's id (its public
// X25519 half: nothing secret) for the caller's cache of imported keys;
// both nil for a DHKEM(X25519) message, which the module opens whole.
type KEMFound struct {
	KeyIndex      int
	KeyID         []byte
	Encapsulation []byte
}

var OpenWelcomeKEM = Define(Info{Name: "openWelcomeKEM", Internal: true, Only: JS,
	Doc: "openWelcome up to the X-Wing decapsulation, with its errors: which key, and the encapsulation to decapsulate with it."},
	openWelcomeArgs,
	func(f Fields, r *KEMFound) {
		if packed(f, Field{}, r) {
			return
		}
		Uint(f, Field{Name: "keyIndex", Bits: 16}, &r.KeyIndex)
		f.Bytes(Field{Name: "keyId", Hex: true, Nullable: true}, &r.KeyID)
		f.Bytes(Field{Name: "encapsulation", Nullable: true}, &r.Encapsulation)
	},
	func(_ Env, a *OpenWelcomeArgs, r *KEMFound) error {
		w, keys, err := a.parseWelcome()
		if err != nil {
			return err
		}
		r.KeyIndex = w.KeyIndex()
		if enc := w.Encapsulation(); enc != nil {
			pub := keys[r.KeyIndex].PublicKey()
			r.KeyID, r.Encapsulation = pub[len(pub)-32:], enc
		}
		return nil
	})

var OpenWelcomeDecapsulated = Define(Info{Name: "openWelcomeDecapsulated", Internal: true, Only: JS,
	Doc: "openWelcome with the X-Wing shared secret of the message, decapsulated by the caller."},
	func(f Fields, a *DecapsulatedArgs) {
		openWelcomeArgs(f, &a.OpenWelcomeArgs)
		f.Bytes(Field{Name: "sharedSecret", Arg: 3, Max: core.KEMSharedSecretSize}, &a.SharedSecret)
	},
	received,
	func(_ Env, a *DecapsulatedArgs, r *core.Received) error {
		defer clear(a.SharedSecret)
		w, _, err := a.parseWelcome()
		if err != nil {
			return err
		}
		rec, err := w.Open(a.SharedSecret)
		if err == nil {
			*r = *rec
		}
		return err
	})

// NewPointeeArgs is what drawing a pointer for a pointee takes.
type NewPointeeArgs struct {
	WelcomeLength int
	Cursor        uint64
	Sealing       Sealing
}

// NewPointer is a fresh pointer: its stored form (a secret), and the key
// and data nonce to encrypt the Welcome with.
type NewPointer struct {
	Pointer, Key, DataNonce []byte
}

var NewPointee = Define(Info{Name: "newPointee", Internal: true, Only: JS, Seal: true,
	Doc: "A fresh pointer for a pointee whose Welcome the caller encrypts, after sealPointee's checks."},
	func(f Fields, a *NewPointeeArgs) {
		Uint(f, Field{Name: "welcomeLength", Bits: 32, Max: maxSizeOption}, &a.WelcomeLength)
		Uint(f, Field{Name: "cursor", Arg: 1, Bits: 64}, &a.Cursor)
		sealing(f, &a.Sealing, 2)
	},
	func(f Fields, r *NewPointer) {
		f.Bytes(Field{Name: "pointer", Secret: true}, &r.Pointer)
		f.Bytes(Field{Name: "key", Secret: true}, &r.Key)
		f.Bytes(Field{Name: "dataNonce"}, &r.DataNonce)
	},
	func(env Env, a *NewPointeeArgs, r *NewPointer) error {
		ptr, err := core.NewPointee(a.WelcomeLength, a.Cursor, a.Sealing.options(env))
		if err == nil {
			*r = NewPointer{Pointer: ptr.Marshal(), Key: ptr.EncryptionKey, DataNonce: ptr.DataNonce}
		}
		return err
	})

// PointeeEncryptedArgs is a pointer and the Welcome the caller encrypted
// with its key and data nonce.
type PointeeEncryptedArgs struct {
	Pointer          []byte
	EncryptedWelcome []byte
	Cursor           uint64
	Sealing          Sealing
}

var SealPointeeEncrypted = Define(Info{Name: "sealPointeeEncrypted", Internal: true, Only: JS, Seal: true,
	Doc: "The pointee around a Welcome the caller encrypted with the pointer's key and data nonce."},
	func(f Fields, a *PointeeEncryptedArgs) {
		sealing(f, &a.Sealing, 3)
		pointerArg(f, 0, &a.Pointer)
		f.Bytes(Field{Name: "encryptedWelcome", Arg: 1, Max: a.Sealing.welcomeCap()}, &a.EncryptedWelcome)
		Uint(f, Field{Name: "cursor", Arg: 2, Bits: 64}, &a.Cursor)
	},
	message,
	func(env Env, a *PointeeEncryptedArgs, r *core.OutgoingMessage) error {
		ptr, err := core.ParsePointer(a.Pointer)
		if err != nil {
			return err
		}
		*r, err = core.SealPointeeEncrypted(ptr, a.EncryptedWelcome, a.Cursor, a.Sealing.options(env))
		return err
	})

var OpenPointeeParse = Define(Info{Name: "openPointeeParse", Internal: true, Only: JS,
	Doc: "openPointee up to the Welcome's decryption, with its errors: where the encrypted Welcome is in the message, its key and nonce, and the cursor."},
	openPointeeArgs,
	func(f Fields, b *[]byte) { f.Bytes(Field{Secret: true}, b) }, // holds the pointee key
	func(_ Env, a *OpenPointeeArgs, r *[]byte) error {
		ptr, err := core.ParsePointer(a.Pointer)
		if err != nil {
			return err
		}
		p, err := core.ParsePointee(ptr, a.FirstMessage, &a.Options)
		if err != nil {
			return err
		}
		*r, err = packPointee(p, ptr, a.FirstMessage)
		return err
	})

// packPointee is openPointeeParse's result, one byte string
// (little-endian; js/src/api.js reads it): u32 offset and u32 length of
// the encrypted Welcome in msg, the 32-byte key and 12-byte data nonce to
// decrypt it with, then u8 1, u64 cursor, u8 hasCursor, or u8 0 when the
// metadata does not open (the caller then leaves the whole opening to
// openPointee, for its error).
func packPointee(p *core.SealedPointee, ptr *core.Pointer, msg []byte) ([]byte, error) {
	// The encrypted Welcome is a slice of msg (the parsers do not copy):
	// its offset in it is the distance between their first bytes.
	enc := p.EncryptedWelcome()
	offset := int(uintptr(unsafe.Pointer(unsafe.SliceData(enc))) - uintptr(unsafe.Pointer(unsafe.SliceData(msg))))
	if len(enc) == 0 || offset < 0 || offset+len(enc) > len(msg) || &msg[offset] != &enc[0] {
		return nil, fmt.Errorf("%w: the encrypted welcome is not a slice of the message", ErrInternal)
	}
	b := make([]byte, 0, 64)
	b = le32(b, uint32(offset))
	b = le32(b, uint32(len(enc)))
	b = append(b, ptr.EncryptionKey...)
	b = append(b, ptr.DataNonce...)
	cursor, has, err := p.Cursor()
	if err != nil {
		return append(b, 0), nil
	}
	b = append(b, 1)
	for i := range 8 {
		b = append(b, byte(cursor>>(8*i)))
	}
	if has {
		return append(b, 1), nil
	}
	return append(b, 0), nil
}

func le32(b []byte, v uint32) []byte {
	return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}
