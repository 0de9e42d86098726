//go:build js && wasm

package main

import (
	"encoding/binary"
	"fmt"
	"syscall/js"

	"github.com/welcome-pointers/wasm/core"
)

// Packed arguments and results. Each syscall/js call costs microseconds
// (a crossing, a finalizer per object reference), and reading an
// installation field by field took about 80 µs, a message object 25 µs:
// as much as the rest of a pointer on the native KEM path. So the JS
// package, when the caller's values are plain, passes the installations
// or the keys as one Uint8Array (js/src/packed.js writes them, after
// reading each value once), and gets the messages or the opened message
// back as one. Values that are not plain go the guarded way
// (convert.go), which names what is wrong.
//
// Formats, little-endian (the JS side is js/src/packed.js):
//
//	installations: u32 n, then per installation u32 wrapperAlgorithm,
//	  u16 length + installationKey, u16 length + wrapperPublicKey,
//	  u16 count (0xffff: none) + u32 per pointee AEAD type
//	keys:          u16 n, then per key u32 algorithm, u16 length + privateKey
//	messages:      u8 length + destination, u32 n, then per message
//	  u8 kind, u16 length + installationKey, u32 length + message
//	received:      u8 kind, u64 id, u64 createdNs, u16 length +
//	  installationKey, u16 kemId; a direct welcome then u32 length +
//	  welcome, u64 cursor, u8 hasCursor; a pointer u16 length + its stored
//	  form, its 32-byte id, u16 length + destination, u16 length + topic,
//	  u16 length + decentralizedTopic, u32 aeadType
//	found (openWelcomeKEM): u16 keyIndex, u8 1 + 32-byte keyId + 1,120-byte
//	  encapsulation, or u8 0 (nothing to decapsulate outside)

const noAEADTypes = 0xffff

// isPacked reports whether an installations or keys argument is packed.
func isPacked(v js.Value) bool { return kindOf(v) == "Uint8Array" }

// unpacker reads a packed argument; the first overrun or bad value sticks.
type unpacker struct {
	b    []byte
	name string
	err  error
}

func (u *unpacker) fail() {
	if u.err == nil {
		u.err = argError("%s: malformed packed value", u.name)
	}
}

func (u *unpacker) take(n int) []byte {
	if u.err != nil || n > len(u.b) {
		u.fail()
		return nil
	}
	v := u.b[:n:n]
	u.b = u.b[n:]
	return v
}

func (u *unpacker) u16() int {
	if b := u.take(2); b != nil {
		return int(binary.LittleEndian.Uint16(b))
	}
	return 0
}

func (u *unpacker) u32() uint32 {
	if b := u.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

// bytes reads a u16-prefixed byte string of at most max bytes, the
// field of element i.
func (u *unpacker) bytes(i int, field string, max int) []byte {
	n := u.u16()
	if u.err == nil && n > max {
		u.err = tooLarge(fmt.Sprintf("%s[%d].%s", u.name, i, field), n, max)
	}
	return u.take(n)
}

// int31 reads a u32 that must be a non-negative int32, the field of element i.
func (u *unpacker) int31(i int, field string) int {
	v := u.u32()
	if u.err == nil && v > 1<<31-1 {
		u.err = argError("%s[%d].%s must be at most %d, got %d", u.name, i, field, 1<<31-1, v)
	}
	return int(v)
}

func (u *unpacker) done() error {
	if u.err == nil && len(u.b) != 0 {
		u.fail()
	}
	return u.err
}

// packedInstallations decodes installations packed by the JS package,
// within the limits of the guarded path.
func packedInstallations(v js.Value) ([]core.Installation, error) {
	b, err := bytesArg(v, "installations", maxPackedInstallations)
	if err != nil {
		return nil, err
	}
	u := &unpacker{b: b, name: "installations"}
	n := int(u.u32())
	if u.err == nil && n > maxInstallations {
		return nil, argError("installations has %d elements, at most %d are accepted", n, maxInstallations)
	}
	// Each installation takes at least 10 bytes: n is bounded by len(b).
	if n > len(b)/10 {
		u.fail()
		return nil, u.err
	}
	ins := make([]core.Installation, n)
	for i := range ins {
		in := &ins[i]
		in.WrapperAlgorithm = core.Algorithm(u.int31(i, "wrapperAlgorithm"))
		in.InstallationKey = u.bytes(i, "installationKey", maxInstallationKey)
		in.WrapperPublicKey = u.bytes(i, "wrapperPublicKey", maxPublicKey)
		if c := u.u16(); c != noAEADTypes {
			if c > maxAEADTypes {
				return nil, argError("installations[%d].pointeeAeadTypes has %d elements, at most %d are accepted", i, c, maxAEADTypes)
			}
			in.PointeeAEADTypes = make([]core.AEADType, c)
			for j := range c {
				in.PointeeAEADTypes[j] = core.AEADType(u.int31(i, "pointeeAeadTypes[]"))
			}
		}
		if u.err != nil {
			return nil, u.err
		}
	}
	return ins, u.done()
}

// maxPackedInstallations bounds the packed argument: every installation
// at its limits.
const maxPackedInstallations = 4 + maxInstallations*(4+2+maxInstallationKey+2+maxPublicKey+2+4*maxAEADTypes)

// packedKeys decodes private keys packed by the JS package and loads
// them through the key cache.
func packedKeys(v js.Value) ([]*core.PrivateKey, error) {
	b, err := bytesArg(v, "keys", 2+maxKeys*(6+maxPublicKey))
	if err != nil {
		return nil, err
	}
	u := &unpacker{b: b, name: "keys"}
	n := u.u16()
	if u.err == nil && n > maxKeys {
		return nil, argError("keys has %d elements, at most %d are accepted", n, maxKeys)
	}
	keys := make([]*core.PrivateKey, n)
	for i := range keys {
		alg := core.Algorithm(u.int31(i, "algorithm"))
		priv := u.bytes(i, "privateKey", maxPublicKey)
		if u.err != nil {
			return nil, u.err
		}
		if keys[i], err = cachedPrivateKey(alg, priv); err != nil {
			return nil, err
		}
	}
	return keys, u.done()
}

// packer writes a packed result.
type packer struct{ b []byte }

func (p *packer) u8(v int)     { p.b = append(p.b, byte(v)) }
func (p *packer) u16(v int)    { p.b = binary.LittleEndian.AppendUint16(p.b, uint16(v)) }
func (p *packer) u32(v int)    { p.b = binary.LittleEndian.AppendUint32(p.b, uint32(v)) }
func (p *packer) u64(v uint64) { p.b = binary.LittleEndian.AppendUint64(p.b, v) }
func (p *packer) bytes16(b []byte) {
	p.u16(len(b))
	p.b = append(p.b, b...)
}

// packMessages is the messages (and the pointee's destination) as one
// Uint8Array: one copy into JS.
func packMessages(destination []byte, msgs []core.OutgoingMessage) js.Value {
	size := 1 + len(destination) + 4
	for _, m := range msgs {
		size += 7 + len(m.InstallationKey) + len(m.Message)
	}
	p := &packer{b: make([]byte, 0, size)}
	p.u8(len(destination))
	p.b = append(p.b, destination...)
	p.u32(len(msgs))
	for _, m := range msgs {
		p.u8(int(m.Kind))
		p.bytes16(m.InstallationKey)
		p.u32(len(m.Message))
		p.b = append(p.b, m.Message...)
	}
	return jsBytes(p.b)
}

// packReceived is an opened message as one Uint8Array. The stored
// pointer it holds is a secret: the buffer is cleared once copied.
func packReceived(r *core.Received) js.Value {
	p := &packer{b: make([]byte, 0, 64+len(r.InstallationKey)+len(r.Welcome)+256)}
	p.u8(int(r.Kind))
	p.u64(r.ID)
	p.u64(r.CreatedNs)
	p.bytes16(r.InstallationKey)
	p.u16(int(r.KEMID))
	if r.Kind == core.KindDirect {
		p.u32(len(r.Welcome))
		p.b = append(p.b, r.Welcome...)
		p.u64(r.Cursor)
		hasCursor := 0
		if r.HasCursor {
			hasCursor = 1
		}
		p.u8(hasCursor)
	} else {
		ptr := r.Pointer
		stored := ptr.Marshal()
		id := ptr.ID()
		p.bytes16(stored)
		clear(stored)
		p.b = append(p.b, id[:]...)
		p.bytes16(ptr.Destination)
		p.bytes16(ptr.Topic())
		p.bytes16(ptr.DecentralizedTopic())
		p.u32(int(ptr.AEADType))
	}
	v := jsBytes(p.b)
	clear(p.b)
	return v
}
