// Package host runs the wasip1 reactor build of the welcome pointers core
// (./wasip1, dist/wasip1/welcome-pointers.wasm) in wazero and gives Go
// callers the operations of the JS API through the module's exports:
// generate keys, read an installation's key package extensions, seal an
// invite, open a welcome, open a pointee, inspect a message, and turn a
// published message into the one a reader gets back (what a node does).
//
// The operations and their JS API counterparts (js/index.d.ts):
//
//	GenerateKey                 generateKey
//	InstallationFromExtensions  installationFromExtensions
//	SealInvite                  sealInvite
//	OpenWelcome, OpenWelcomeInput  openWelcome
//	OpenPointee, OpenPointeeInput  openPointee (with the stored pointer bytes)
//	Inspect                     inspect
//	ToWelcomeMessage            (what a node does; used to stand in for the network)
//
// Every operation goes through the memory ABI of wasip1/ABI.md: the
// request is encoded, copied into a wp_alloc buffer, the export returns a
// result block, the result is copied out and both buffers are freed.
// Errors the module reports are *abi.Error values that wrap the core's
// sentinels (errors.Is(err, core.ErrDecrypt) works). A trap, a result
// block outside the module's memory or an unreadable result is a
// *TrapError or a *ProtocolError naming the export; after a trap the
// Module refuses further calls.
//
// A Module is safe for concurrent use; calls are serialized.
package host

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/wasip1/abi"
)

// DefaultArtifact is where ./build.sh wasip1 writes the reactor, relative
// to the repository root.
const DefaultArtifact = "dist/wasip1/welcome-pointers.wasm"

// Key is a private key with its algorithm and public key, as
// GenerateKey returns it and OpenWelcome takes it (PublicKey is not sent).
type Key = abi.Key

// Received is an opened welcome message: the core's Received, and for a
// pointer its stored form.
type Received struct {
	core.Received
	// StoredPointer is the pointer's stored form (a WelcomePointer
	// protobuf, secret: it holds the pointee key). Keep it while the
	// pointee is pending and pass it to OpenPointee. Nil for a direct
	// welcome.
	StoredPointer []byte
}

// TrapError is an export that did not return: a wasm trap, or the Go
// runtime inside the module exiting (a fatal error). The module's state
// is then unknown, so the Module refuses further calls.
type TrapError struct {
	Export string
	Err    error
}

func (e *TrapError) Error() string {
	return fmt.Sprintf("host: export %s trapped: %v", e.Export, e.Err)
}

func (e *TrapError) Unwrap() error { return e.Err }

// ProtocolError is an export that broke the memory ABI: no result block,
// a result block or payload outside the module's memory, a buffer that
// could not be written or freed.
type ProtocolError struct {
	Export string
	Msg    string
}

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("host: export %s broke the ABI: %s", e.Export, e.Msg)
}

// Option configures New.
type Option func(*config)

type config struct {
	cache          wazero.CompilationCache
	stdout, stderr io.Writer
}

// WithCompilationCache shares compiled code between modules and, with a
// directory cache, between processes.
func WithCompilationCache(c wazero.CompilationCache) Option {
	return func(cf *config) { cf.cache = c }
}

// WithOutput sets where the module's stdout and stderr go (by default
// stdout is discarded and stderr is os.Stderr, where the Go runtime
// inside reports fatal errors).
func WithOutput(stdout, stderr io.Writer) Option {
	return func(cf *config) { cf.stdout, cf.stderr = stdout, stderr }
}

// Module is one instance of the reactor.
type Module struct {
	mu     sync.Mutex
	rt     wazero.Runtime
	mod    api.Module
	mem    api.Memory
	alloc  api.Function
	free   api.Function
	fns    map[string]api.Function
	broken error
}

var (
	i32 = api.ValueTypeI32
	// signatures of the exports ABI.md lists.
	signatures = func() map[string][2][]api.ValueType {
		m := map[string][2][]api.ValueType{
			abi.ExportAlloc:         {{i32}, {i32}},
			abi.ExportFree:          {{i32}, {i32}},
			abi.ExportABIVersion:    {nil, {i32}},
			abi.ExportLiveBlocks:    {nil, {i32}},
			abi.ExportVersion:       {nil, {i32}},
			abi.ExportClearKeyCache: {nil, {i32}},
			abi.StartFunction:       {nil, nil},
		}
		for _, e := range abi.RequestExports {
			m[e] = [2][]api.ValueType{{i32, i32}, {i32}}
		}
		return m
	}()
)

// New compiles and instantiates the reactor module wasm: WASI preview 1,
// crypto/rand as its random source, the real clocks, then _initialize.
// It checks that every export of ABI.md is there with its signature and
// that wp_abi_version is abi.Version.
func New(ctx context.Context, wasm []byte, opts ...Option) (*Module, error) {
	cf := config{stdout: io.Discard, stderr: os.Stderr}
	for _, o := range opts {
		o(&cf)
	}
	rc := wazero.NewRuntimeConfigCompiler()
	if cf.cache != nil {
		rc = rc.WithCompilationCache(cf.cache)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, rc)
	m, err := instantiate(ctx, rt, wasm, &cf)
	if err != nil {
		rt.Close(ctx)
		return nil, err
	}
	return m, nil
}

// NewFromFile is New with the module read from path, for example
// DefaultArtifact.
func NewFromFile(ctx context.Context, path string, opts ...Option) (*Module, error) {
	wasm, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("host: %w", err)
	}
	return New(ctx, wasm, opts...)
}

func instantiate(ctx context.Context, rt wazero.Runtime, wasm []byte, cf *config) (*Module, error) {
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return nil, fmt.Errorf("host: WASI: %w", err)
	}
	compiled, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		return nil, fmt.Errorf("host: compiling the reactor: %w", err)
	}
	defs := compiled.ExportedFunctions()
	for name, sig := range signatures {
		d, ok := defs[name]
		if !ok {
			return nil, fmt.Errorf("host: the module has no export %s: not a welcome pointers reactor (build ./wasip1 with -buildmode=c-shared)", name)
		}
		if !sameTypes(d.ParamTypes(), sig[0]) || !sameTypes(d.ResultTypes(), sig[1]) {
			return nil, fmt.Errorf("host: export %s has signature %v -> %v, want %v -> %v", name, d.ParamTypes(), d.ResultTypes(), sig[0], sig[1])
		}
	}
	mc := wazero.NewModuleConfig().
		WithName("welcome-pointers").
		WithStartFunctions(abi.StartFunction).
		WithRandSource(rand.Reader).
		WithSysWalltime().
		WithSysNanotime().
		WithSysNanosleep().
		WithStdout(cf.stdout).
		WithStderr(cf.stderr)
	mod, err := rt.InstantiateModule(ctx, compiled, mc)
	if err != nil {
		return nil, fmt.Errorf("host: instantiating the reactor: %w", err)
	}
	m := &Module{rt: rt, mod: mod, mem: mod.Memory(), fns: map[string]api.Function{}}
	if m.mem == nil {
		return nil, errors.New("host: the module exports no memory")
	}
	m.alloc = mod.ExportedFunction(abi.ExportAlloc)
	m.free = mod.ExportedFunction(abi.ExportFree)
	for _, e := range abi.RequestExports {
		m.fns[e] = mod.ExportedFunction(e)
	}
	v, err := m.ABIVersion(ctx)
	if err != nil {
		return nil, err
	}
	if v != abi.Version {
		return nil, fmt.Errorf("host: the module speaks ABI version %d, this host %d", v, abi.Version)
	}
	return m, nil
}

func sameTypes(a, b []api.ValueType) bool { return bytes.Equal(a, b) }

// Close releases the module and its runtime.
func (m *Module) Close(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.broken == nil {
		m.broken = errors.New("module closed")
	}
	return m.rt.Close(ctx)
}

// MemorySize is the size of the module's linear memory in bytes. Wasm
// memory only grows, so it is the high-water mark of the Go heap inside.
func (m *Module) MemorySize() uint32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.mem.Size()
}

// ABIVersion calls wp_abi_version.
func (m *Module) ABIVersion(ctx context.Context) (uint32, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	res, err := m.callLocked(ctx, abi.ExportABIVersion)
	if err != nil {
		return 0, err
	}
	return uint32(res), nil
}

// LiveBlocks calls wp_live_blocks: how many request buffers and result
// blocks are allocated and not freed. Between calls through this package
// it is 0; anything else is a leak.
func (m *Module) LiveBlocks(ctx context.Context) (uint32, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	res, err := m.callLocked(ctx, abi.ExportLiveBlocks)
	if err != nil {
		return 0, err
	}
	return uint32(res), nil
}

// Version calls wp_version: the version stamped in at build time.
func (m *Module) Version(ctx context.Context) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	res, err := m.callLocked(ctx, abi.ExportVersion)
	if err != nil {
		return "", err
	}
	payload, err := m.takeResultLocked(ctx, abi.ExportVersion, uint32(res))
	if err != nil {
		return "", err
	}
	v, err := abi.DecodeStringResult(payload, "version")
	if err != nil {
		return "", &ProtocolError{Export: abi.ExportVersion, Msg: "result: " + err.Error()}
	}
	return v, nil
}

// callLocked calls an export with raw arguments; any error is a trap and
// breaks the module.
func (m *Module) callLocked(ctx context.Context, export string, params ...uint64) (uint64, error) {
	if m.broken != nil {
		return 0, fmt.Errorf("host: %s: module unusable: %w", export, m.broken)
	}
	fn := m.fns[export]
	switch export {
	case abi.ExportAlloc:
		fn = m.alloc
	case abi.ExportFree:
		fn = m.free
	case abi.ExportABIVersion, abi.ExportVersion, abi.ExportLiveBlocks, abi.ExportClearKeyCache:
		fn = m.mod.ExportedFunction(export)
	}
	if fn == nil {
		return 0, fmt.Errorf("host: no export %s", export)
	}
	res, err := fn.Call(ctx, params...)
	if err != nil {
		terr := &TrapError{Export: export, Err: err}
		m.broken = terr
		return 0, terr
	}
	if len(res) != 1 {
		return 0, nil
	}
	return res[0], nil
}

// freeLocked frees a block; a non-zero status is an ABI error of export.
func (m *Module) freeLocked(ctx context.Context, export string, ptr uint32, what string) error {
	st, err := m.callLocked(ctx, abi.ExportFree, uint64(ptr))
	if err != nil {
		return err
	}
	if st != 0 {
		return &ProtocolError{Export: export, Msg: fmt.Sprintf("wp_free(%#x) of the %s returned %v", ptr, what, abi.Code(st))}
	}
	return nil
}

// takeResultLocked reads, copies and frees the result block at ptr.
// A non-OK status becomes an *abi.Error.
func (m *Module) takeResultLocked(ctx context.Context, export string, ptr uint32) ([]byte, error) {
	if ptr == 0 {
		return nil, &ProtocolError{Export: export, Msg: "returned no result block (0: the module could not allocate one)"}
	}
	size := m.mem.Size()
	hdr, ok := m.mem.Read(ptr, abi.ResultHeaderSize)
	if !ok {
		return nil, &ProtocolError{Export: export, Msg: fmt.Sprintf("result block at %#x is outside the module's %d bytes of memory", ptr, size)}
	}
	code, n := abi.ParseHeader(hdr)
	view, ok := m.mem.Read(ptr+abi.ResultHeaderSize, n)
	if !ok || uint64(ptr)+abi.ResultHeaderSize+uint64(n) > uint64(size) {
		return nil, &ProtocolError{Export: export, Msg: fmt.Sprintf("result payload of %d bytes at %#x runs past the module's %d bytes of memory", n, ptr+abi.ResultHeaderSize, size)}
	}
	payload := bytes.Clone(view)
	if err := m.freeLocked(ctx, export, ptr, "result block"); err != nil {
		return nil, err
	}
	if code != abi.OK {
		return nil, &abi.Error{Export: export, Code: code, Message: string(payload)}
	}
	return payload, nil
}

// Call runs an operation export (one of abi.RequestExports) on raw
// request bytes and returns the raw result fields. It is the whole ABI in
// one function: copy the request into a wp_alloc buffer, call, read the
// result block, free both. A non-OK status is an *abi.Error.
func (m *Module) Call(ctx context.Context, export string, req []byte) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.fns[export]; !ok {
		return nil, fmt.Errorf("host: %s is not an operation export", export)
	}
	var inPtr uint32
	if len(req) > 0 {
		if len(req) > abi.MaxAlloc {
			return nil, &abi.Error{Export: export, Code: abi.TooLarge, Message: fmt.Sprintf("request of %d bytes exceeds wp_alloc's %d", len(req), abi.MaxAlloc)}
		}
		p, err := m.callLocked(ctx, abi.ExportAlloc, uint64(len(req)))
		if err != nil {
			return nil, err
		}
		inPtr = uint32(p)
		if inPtr == 0 {
			return nil, &ProtocolError{Export: abi.ExportAlloc, Msg: fmt.Sprintf("wp_alloc(%d) returned 0 (the module holds too much memory)", len(req))}
		}
		if !m.mem.Write(inPtr, req) {
			return nil, &ProtocolError{Export: abi.ExportAlloc, Msg: fmt.Sprintf("wp_alloc(%d) returned %#x, outside the module's %d bytes of memory", len(req), inPtr, m.mem.Size())}
		}
	}
	res, err := m.callLocked(ctx, export, uint64(inPtr), uint64(len(req)))
	if err != nil {
		return nil, err
	}
	if inPtr != 0 {
		if err := m.freeLocked(ctx, export, inPtr, "request buffer"); err != nil {
			return nil, err
		}
	}
	return m.takeResultLocked(ctx, export, uint32(res))
}

type encodable interface{ Encode(*abi.Encoder) }

func encode(r encodable, size int) []byte {
	e := abi.NewEncoder(0, size)
	r.Encode(e)
	return e.Bytes()
}

func badResult(export string, err error) error {
	return &ProtocolError{Export: export, Msg: "result does not decode: " + err.Error()}
}

// GenerateKey returns a new key for alg (core.AlgorithmXWing or
// core.AlgorithmCurve25519), drawn inside the module from the host's
// crypto/rand.
func (m *Module) GenerateKey(ctx context.Context, alg core.Algorithm) (Key, error) {
	req := abi.GenerateKeyRequest{Algorithm: alg}
	out, err := m.Call(ctx, abi.ExportGenerateKey, encode(&req, 4))
	if err != nil {
		return Key{}, err
	}
	k, err := abi.DecodeKeyResult(out)
	if err != nil {
		return Key{}, badResult(abi.ExportGenerateKey, err)
	}
	return k, nil
}

// InstallationFromExtensions builds an installation from its key package
// fields: the init key and the 0xff03 and 0xff04 extension payloads (nil
// when absent), as core.InstallationFromExtensions does.
func (m *Module) InstallationFromExtensions(ctx context.Context, installationKey, initKey, wrapperEncryption, pointeeAEADTypes []byte) (core.Installation, error) {
	req := abi.InstallationFromExtensionsRequest{
		InstallationKey: installationKey, InitKey: initKey,
		WrapperEncryption: wrapperEncryption, PointeeAEADTypes: pointeeAEADTypes,
	}
	out, err := m.Call(ctx, abi.ExportInstallationFromExt, encode(&req, 16+len(installationKey)+len(initKey)+len(wrapperEncryption)+len(pointeeAEADTypes)))
	if err != nil {
		return core.Installation{}, err
	}
	r, err := abi.DecodeInstallationResult(out)
	if err != nil {
		return core.Installation{}, badResult(abi.ExportInstallationFromExt, err)
	}
	if r.Installation.PointerCapable() != r.PointerCapable {
		return core.Installation{}, &ProtocolError{Export: abi.ExportInstallationFromExt, Msg: "pointer_capable disagrees with the installation's fields"}
	}
	return r.Installation, nil
}

// SealInvite seals welcome and its message cursor for the installations,
// as core.SealInvite does: pointers when at least three installations can
// take them, direct welcomes for the others. kem is the X-Wing KEM id of
// the HPKE suite (0 for the deployed core.KEMXWingDeployed).
func (m *Module) SealInvite(ctx context.Context, welcome []byte, cursor uint64, installations []core.Installation, kem core.KEMID) (*core.Invite, error) {
	req := abi.SealInviteRequest{Welcome: welcome, Cursor: cursor, KEMID: kem, Installations: installations}
	size := 22 + len(welcome)
	for _, in := range installations {
		size += 16 + len(in.InstallationKey) + len(in.WrapperPublicKey) + 4*len(in.PointeeAEADTypes)
	}
	out, err := m.Call(ctx, abi.ExportSealInvite, encode(&req, size))
	if err != nil {
		return nil, err
	}
	inv, err := abi.DecodeInvite(out)
	if err != nil {
		return nil, badResult(abi.ExportSealInvite, err)
	}
	return inv, nil
}

// OpenWelcome opens a welcome message as read back from the network (an
// encoded WelcomeMessage) with whichever of keys it is addressed to.
func (m *Module) OpenWelcome(ctx context.Context, message []byte, keys []Key) (*Received, error) {
	return m.openWelcome(ctx, abi.FormMessage, message, keys)
}

// OpenWelcomeInput opens a welcome message in its published form (an
// encoded WelcomeMessageInput).
func (m *Module) OpenWelcomeInput(ctx context.Context, message []byte, keys []Key) (*Received, error) {
	return m.openWelcome(ctx, abi.FormInput, message, keys)
}

func (m *Module) openWelcome(ctx context.Context, form uint8, message []byte, keys []Key) (*Received, error) {
	req := abi.OpenWelcomeRequest{Form: form, Message: message, Keys: keys}
	size := 13 + len(message)
	for _, k := range keys {
		size += 8 + len(k.PrivateKey)
	}
	out, err := m.Call(ctx, abi.ExportOpenWelcome, encode(&req, size))
	if err != nil {
		return nil, err
	}
	r, err := abi.DecodeReceived(out)
	if err != nil {
		return nil, badResult(abi.ExportOpenWelcome, err)
	}
	rec := &Received{Received: core.Received{
		Kind: r.Kind, ID: r.ID, CreatedNs: r.CreatedNs,
		InstallationKey: r.InstallationKey, KEMID: r.KEMID,
	}}
	switch r.Kind {
	case core.KindDirect:
		rec.Welcome, rec.HasCursor, rec.Cursor = r.Welcome, r.HasCursor, r.Cursor
	case core.KindPointer:
		rec.StoredPointer = r.Pointer
		rec.Pointer = &core.Pointer{
			Destination: r.Destination, AEADType: r.AEADType, EncryptionKey: r.EncryptionKey,
			DataNonce: r.DataNonce, WelcomeMetadataNonce: r.WelcomeMetadataNonce,
		}
	default:
		return nil, &ProtocolError{Export: abi.ExportOpenWelcome, Msg: fmt.Sprintf("result kind %v", r.Kind)}
	}
	return rec, nil
}

// OpenPointee opens the pointee a pointer names. storedPointer is
// Received.StoredPointer; firstMessage is the first message on the
// pointer's topic as read back from the network (never a later one).
func (m *Module) OpenPointee(ctx context.Context, storedPointer, firstMessage []byte) (*core.OpenedPointee, error) {
	return m.openPointee(ctx, abi.FormMessage, storedPointer, firstMessage)
}

// OpenPointeeInput is OpenPointee for a pointee in its published form.
func (m *Module) OpenPointeeInput(ctx context.Context, storedPointer, firstMessage []byte) (*core.OpenedPointee, error) {
	return m.openPointee(ctx, abi.FormInput, storedPointer, firstMessage)
}

func (m *Module) openPointee(ctx context.Context, form uint8, storedPointer, firstMessage []byte) (*core.OpenedPointee, error) {
	req := abi.OpenPointeeRequest{Form: form, Pointer: storedPointer, FirstMessage: firstMessage}
	out, err := m.Call(ctx, abi.ExportOpenPointee, encode(&req, 13+len(storedPointer)+len(firstMessage)))
	if err != nil {
		return nil, err
	}
	p, err := abi.DecodePointee(out)
	if err != nil {
		return nil, badResult(abi.ExportOpenPointee, err)
	}
	return p, nil
}

// Inspect decodes message as the given kind (a core.Inspect* name, or ""
// for auto) into the JSON view core.Inspect gives.
func (m *Module) Inspect(ctx context.Context, kind string, message []byte) (map[string]any, error) {
	req := abi.InspectRequest{Kind: kind, Message: message}
	out, err := m.Call(ctx, abi.ExportInspect, encode(&req, 8+len(kind)+len(message)))
	if err != nil {
		return nil, err
	}
	j, err := abi.DecodeStringResult(out, "json")
	if err != nil {
		return nil, badResult(abi.ExportInspect, err)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(j), &v); err != nil {
		return nil, badResult(abi.ExportInspect, err)
	}
	return v, nil
}

// ToWelcomeMessage does what a node does with a published message: it
// checks the node's acceptance rules and returns the WelcomeMessage a
// reader gets back, with the given id and creation time.
func (m *Module) ToWelcomeMessage(ctx context.Context, input []byte, id, createdNs uint64) ([]byte, error) {
	req := abi.ToWelcomeMessageRequest{Input: input, ID: id, CreatedNs: createdNs}
	out, err := m.Call(ctx, abi.ExportToWelcomeMessage, encode(&req, 20+len(input)))
	if err != nil {
		return nil, err
	}
	msg, err := abi.DecodeBlobResult(out, "message")
	if err != nil {
		return nil, badResult(abi.ExportToWelcomeMessage, err)
	}
	return msg, nil
}
