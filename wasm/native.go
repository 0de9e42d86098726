//go:build js && wasm

package main

import (
	"encoding/hex"
	"syscall/js"
	"unsafe"

	"github.com/welcome-pointers/wasm/core"
)

// The native KEM path: the JS package runs the X-Wing encapsulations and
// decapsulations in the browser's WebCrypto (MLKEM768-X25519) and hands
// them to these exports, which do the rest through the core
// (core.SealPointersEncapsulated, core.SealedWelcome): the same bytes as
// the WebAssembly path.

func addNativeExports(ns js.Value) {
	// The limits of the guarded path, which the JS package's packing
	// (packed.go) keeps to.
	ns.Get("constants").Set("limits", js.ValueOf(map[string]any{
		"installations": maxInstallations, "installationKey": maxInstallationKey, "publicKey": maxPublicKey,
		"pointeeAeadTypes": maxAEADTypes, "keys": maxKeys,
	}))
	ns.Set("kemProbe", syncFunc(kemProbe))
	ns.Set("checkInvite", syncFunc(checkInvite))
	ns.Set("sealPointersEncapsulated", asyncFunc(sealPointersEncapsulated))
	ns.Set("openWelcomeKEM", syncFunc(openWelcomeKEM))
	ns.Set("openWelcomeDecapsulated", syncFunc(openWelcomeDecapsulated))
	ns.Set("newPointee", syncFunc(newPointee))
	ns.Set("sealPointeeEncrypted", syncFunc(sealPointeeEncrypted))
	ns.Set("openPointeeParse", syncFunc(openPointeeParse))
}

// The pointee's ChaCha20-Poly1305 in the browser's WebCrypto, which
// encrypts or decrypts a 500 kB Welcome several times faster than
// WebAssembly: the JS package draws the pointer here (newPointee),
// encrypts the Welcome and has it framed (sealPointeeEncrypted); to open,
// it has the pointee checked and its metadata opened here
// (openPointeeParse), and decrypts the Welcome, in place in its copy of
// the message.

// newPointee(welcomeLength, cursor, options) -> {pointer, key, dataNonce}:
// a fresh pointer (its stored form, a secret, and its key and data nonce)
// after sealPointee's checks.
func newPointee(args []js.Value) (any, error) {
	s, err := sealOptionsArg(arg(args, 2))
	if err != nil {
		return nil, err
	}
	n, err := intArg(arg(args, 0), "welcomeLength", 0, maxMaxMessageSize)
	if err != nil {
		return nil, err
	}
	cursor, err := uint64Arg(arg(args, 1), "cursor")
	if err != nil {
		return nil, err
	}
	ptr, err := core.NewPointee(n, cursor, &s.opts)
	if err != nil {
		return nil, err
	}
	o := newObject()
	o.Set("pointer", jsBytes(ptr.Marshal()))
	o.Set("key", jsBytes(ptr.EncryptionKey))
	o.Set("dataNonce", jsBytes(ptr.DataNonce))
	return o, nil
}

// sealPointeeEncrypted(pointer, encryptedWelcome, cursor, options) ->
// {kind, installationKey, message}: the pointee around the Welcome the
// caller encrypted with the pointer's key and data nonce.
func sealPointeeEncrypted(args []js.Value) (any, error) {
	s, err := sealOptionsArg(arg(args, 3))
	if err != nil {
		return nil, err
	}
	ptr, err := pointerArg(arg(args, 0), "pointer")
	if err != nil {
		return nil, err
	}
	enc, err := bytesArg(arg(args, 1), "encryptedWelcome", s.maxSize())
	if err != nil {
		return nil, err
	}
	cursor, err := uint64Arg(arg(args, 2), "cursor")
	if err != nil {
		return nil, err
	}
	m, err := core.SealPointeeEncrypted(ptr, enc, cursor, &s.opts)
	if err != nil {
		return nil, err
	}
	return messageToJS(m), nil
}

// openPointeeParse(pointer, firstMessage, options) -> packed: openPointee
// up to the Welcome's decryption, with its errors: u32 offset and u32
// length of the encrypted Welcome in firstMessage, the 32-byte key and
// 12-byte data nonce to decrypt it with, then u8 1, u64 cursor, u8
// hasCursor, or u8 0 when the metadata does not open (the caller then
// leaves the whole opening to openPointee, for its error).
func openPointeeParse(args []js.Value) (any, error) {
	ptr, err := pointerArg(arg(args, 0), "pointer")
	if err != nil {
		return nil, err
	}
	o, err := openOptionsArg(arg(args, 2))
	if err != nil {
		return nil, err
	}
	msg, err := bytesArg(arg(args, 1), "firstMessage", o.maxSize())
	if err != nil {
		return nil, err
	}
	parse := core.ParsePointee
	if o.input {
		parse = core.ParsePointeeInput
	}
	p, err := parse(ptr, msg, &o.opts)
	if err != nil {
		return nil, err
	}
	// The encrypted Welcome is a slice of msg (the parsers do not copy):
	// its offset in it is the distance between their first bytes.
	enc := p.EncryptedWelcome()
	offset := int(uintptr(unsafe.Pointer(unsafe.SliceData(enc))) - uintptr(unsafe.Pointer(unsafe.SliceData(msg))))
	if offset < 0 || offset+len(enc) > len(msg) || &msg[offset] != &enc[0] {
		return nil, &bridgeError{code: codeInternal, msg: "welcome pointers: internal error: the encrypted welcome is not a slice of the message"}
	}
	pk := &packer{b: make([]byte, 0, 64)}
	pk.u32(offset)
	pk.u32(len(enc))
	pk.b = append(pk.b, ptr.EncryptionKey...)
	pk.b = append(pk.b, ptr.DataNonce...)
	if cursor, has, err := p.Cursor(); err != nil {
		pk.u8(0)
	} else {
		pk.u8(1)
		pk.u64(cursor)
		hasCursor := 0
		if has {
			hasCursor = 1
		}
		pk.u8(hasCursor)
	}
	v := jsBytes(pk.b)
	clear(pk.b)
	return v, nil
}

// kemProbe() -> {seed, publicKey, ciphertext, sharedSecret}: a fresh
// random X-Wing key and an encapsulation to it, made by this module's
// X-Wing, for the JS package to check the browser's against before it
// uses it (throwaway values, not keys of anyone).
func kemProbe([]js.Value) (any, error) {
	seed, pk, enc, err := core.XWingSample()
	if err != nil {
		return nil, err
	}
	o := newObject()
	o.Set("seed", jsBytes(seed))
	o.Set("publicKey", jsBytes(pk))
	o.Set("ciphertext", jsBytes(enc.Ciphertext))
	o.Set("sharedSecret", jsBytes(enc.SharedSecret))
	return o, nil
}

// checkInvite(welcome, cursor, installations, options) -> boolean[]:
// every check of sealInvite, with its errors, and which installations are pointer-capable; a split sealing
// (workers, the native KEM) runs it first, so its parts fail nowhere.
func checkInvite(args []js.Value) (any, error) {
	s, err := sealOptionsArg(arg(args, 3))
	if err != nil {
		return nil, err
	}
	// Read as sealInvite reads it, with its errors; only its length counts.
	welcome, err := bytesArg(arg(args, 0), "welcome", s.maxSize())
	if err != nil {
		return nil, err
	}
	cursor, err := uint64Arg(arg(args, 1), "cursor")
	if err != nil {
		return nil, err
	}
	ins, err := installationsArg(arg(args, 2))
	if err != nil {
		return nil, err
	}
	capable, err := core.CheckInvite(len(welcome), cursor, ins, &s.opts)
	if err != nil {
		return nil, err
	}
	return jsArray(capable, func(b bool) any { return b }), nil
}

// encapsulationsArg reads { sharedSecrets, ciphertexts, missing }: the
// n shared secrets and ciphertexts packed end to end (one copy each), and
// the indices of the installations left to the core (the browser refused
// their key), whose slots are ignored.
func encapsulationsArg(v js.Value, n int) ([]core.Encapsulation, error) {
	o, err := objectArg(v, "encapsulations")
	if err != nil {
		return nil, err
	}
	if err := o.only("sharedSecrets", "ciphertexts", "missing"); err != nil {
		return nil, err
	}
	e, name, err := o.get("sharedSecrets")
	if err != nil {
		return nil, err
	}
	secrets, err := bytesArg(e, name, n*core.KEMSharedSecretSize)
	if err != nil {
		return nil, err
	}
	if e, name, err = o.get("ciphertexts"); err != nil {
		return nil, err
	}
	cts, err := bytesArg(e, name, n*core.XWingEncapsulationSize)
	if err != nil {
		return nil, err
	}
	if len(secrets) != n*core.KEMSharedSecretSize || len(cts) != n*core.XWingEncapsulationSize {
		return nil, argError("encapsulations: %d bytes of shared secrets and %d of ciphertexts for %d installations, want %d and %d",
			len(secrets), len(cts), n, n*core.KEMSharedSecretSize, n*core.XWingEncapsulationSize)
	}
	encs := make([]core.Encapsulation, n)
	for i := range encs {
		encs[i] = core.Encapsulation{
			SharedSecret: secrets[i*core.KEMSharedSecretSize : (i+1)*core.KEMSharedSecretSize : (i+1)*core.KEMSharedSecretSize],
			Ciphertext:   cts[i*core.XWingEncapsulationSize : (i+1)*core.XWingEncapsulationSize : (i+1)*core.XWingEncapsulationSize],
		}
	}
	if e, name, err = o.get("missing"); err != nil {
		return nil, err
	}
	if isMissing(e) {
		return encs, nil
	}
	m, err := arrayArg(e, name, n)
	if err != nil {
		return nil, err
	}
	for j := range m {
		x, xn, err := index(e, j, name)
		if err != nil {
			return nil, err
		}
		i, err := intArg(x, xn, 0, n-1)
		if err != nil {
			return nil, err
		}
		clear(encs[i].SharedSecret)
		encs[i] = core.Encapsulation{}
	}
	return encs, nil
}

// sealPointersEncapsulated(pointer, installations, encapsulations, options)
// -> Promise<OutgoingMessage[]>: sealPointers with the encapsulations
// made by the caller (see encapsulationsArg). Arguments are copied before
// the Promise is returned; sealing yields to the event loop, reports
// progress and checks options.signal, as sealPointers does.
func sealPointersEncapsulated(args []js.Value) (any, error) {
	s, err := sealOptionsArg(arg(args, 3))
	if err != nil {
		return rejected(err), nil
	}
	ptr, err := pointerArg(arg(args, 0), "pointer")
	if err != nil {
		return rejected(err), nil
	}
	packed := isPacked(arg(args, 1))
	ins, err := installationsArg(arg(args, 1))
	if err != nil {
		return rejected(err), nil
	}
	encs, err := encapsulationsArg(arg(args, 2), len(ins))
	if err != nil {
		return rejected(err), nil
	}
	if s.aborted() {
		return rejected(errAborted), nil
	}
	y := newYielder()
	s.yieldOnProgress(y)
	return newPromise(y, func() (any, error) {
		defer func() {
			for i := range encs {
				clear(encs[i].SharedSecret)
			}
		}()
		msgs, err := core.SealPointersEncapsulated(ptr, ins, encs, &s.opts)
		if err != nil {
			return nil, err
		}
		if packed {
			return packMessages(nil, msgs), nil
		}
		return jsArray(msgs, func(m core.OutgoingMessage) any { return messageToJS(m) }), nil
	}), nil
}

// parseWelcomeArgs reads openWelcome's (message, keys, options) and
// parses the message: the first step of opening.
func parseWelcomeArgs(args []js.Value) (*core.SealedWelcome, []*core.PrivateKey, error) {
	o, err := openOptionsArg(arg(args, 2))
	if err != nil {
		return nil, nil, err
	}
	msg, err := bytesArg(arg(args, 0), "message", o.maxSize())
	if err != nil {
		return nil, nil, err
	}
	keys, err := keysArg(arg(args, 1))
	if err != nil {
		return nil, nil, err
	}
	parse := core.ParseWelcome
	if o.input {
		parse = core.ParseWelcomeInput
	}
	w, err := parse(msg, keys, &o.opts)
	return w, keys, err
}

// openWelcomeKEM(message, keys, options) -> {keyIndex, keyId, encapsulation}
// (packed keys: the packed form, packed.go):
// openWelcome up to the decapsulation, with its errors. encapsulation is
// the X-Wing ciphertext to decapsulate with keys[keyIndex] (null for a
// DHKEM(X25519) message: open it with openWelcome); keyId names that key
// for the caller's cache of imported keys (keyID: nothing secret).
func openWelcomeKEM(args []js.Value) (any, error) {
	w, keys, err := parseWelcomeArgs(args)
	if err != nil {
		return nil, err
	}
	enc := w.Encapsulation()
	if isPacked(arg(args, 1)) {
		p := &packer{}
		p.u16(w.KeyIndex())
		if enc == nil {
			p.u8(0)
		} else {
			p.u8(1)
			p.b = append(p.b, keyID(keys[w.KeyIndex()])...)
			p.b = append(p.b, enc...)
		}
		return jsBytes(p.b), nil
	}
	o := newObject()
	o.Set("keyIndex", w.KeyIndex())
	if enc == nil {
		o.Set("keyId", js.Null())
		o.Set("encapsulation", js.Null())
		return o, nil
	}
	o.Set("keyId", hex.EncodeToString(keyID(keys[w.KeyIndex()])))
	o.Set("encapsulation", jsBytes(enc))
	return o, nil
}

// keyID names an X-Wing key for the JS package's cache of keys imported
// into WebCrypto: its public X25519 half (the last 32 bytes of its public
// key), which the seed determines and no other of the app's keys shares.
// Hashing the whole public key cost a tenth of the call.
func keyID(k *core.PrivateKey) []byte {
	pub := k.PublicKey()
	return pub[len(pub)-32:]
}

// openWelcomeDecapsulated(message, keys, options, sharedSecret) -> Received:
// openWelcome with the KEM shared secret of the message given (the
// decapsulation of what openWelcomeKEM returned).
func openWelcomeDecapsulated(args []js.Value) (any, error) {
	w, _, err := parseWelcomeArgs(args)
	if err != nil {
		return nil, err
	}
	ss, err := bytesArg(arg(args, 3), "sharedSecret", core.KEMSharedSecretSize)
	if err != nil {
		return nil, err
	}
	defer clear(ss)
	r, err := w.Open(ss)
	if err != nil {
		return nil, err
	}
	if isPacked(arg(args, 1)) {
		return packReceived(r), nil
	}
	return receivedToJS(r), nil
}
