// Package host runs the welcome pointers module in a Go program: the
// wasip1 reactor build of the core (./wasip1, built by ./build.sh wasip1
// into dist/wasip1/welcome-pointers.wasm) in wazero, with a method for
// every operation of the module, the same set the JS package offers
// (wasip1/ABI.md lists them with their JS and Go names):
//
//	keys         GenerateKey, LoadKey, ValidatePublicKey, ClearKeyCache
//	extensions   EncodeWrapperEncryption, ParseWrapperEncryption, EncodePointeeAEADTypes,
//	             ParsePointeeAEADTypes, InstallationFromExtensions
//	sealing      SealInvite, SealDirect, CheckInstallations, SealPointee, SealPointers,
//	             CheckInvite, SealPointersEncapsulated
//	opening      OpenWelcome, ParsePointer, OpenPointee, IsFinal
//	inspection   Inspect
//	the network  ToWelcomeMessage, InputTopic (what a node does: core/xmtpnode)
//	retries      DefaultRetryPolicy, and Schedule's methods (core.RetryPolicy's)
//
// The methods take and return the core's types and mirror the core's
// functions (core.SealInvite is Module.SealInvite), with a context first:
// a program can move between the native core and the sandboxed module
// without changing its logic. Use the module where the core must run
// isolated from the host's memory, or to test the module itself; use the
// core (package core) otherwise: it is faster.
//
// Every call goes through the memory ABI of wasip1/ABI.md: the request is
// encoded, copied into a wp_alloc buffer, the export returns a result
// block, the result is copied out and both buffers are freed. Errors the
// module reports are *abi.Error values that wrap the core's sentinels
// (errors.Is(err, core.ErrDecrypt) works). A trap, a result block outside
// the module's memory or an unreadable result is a *TrapError or a
// *ProtocolError naming the export; after a trap the Module refuses
// further calls.
//
// With WithNativeKEM, SealInvite runs the X-Wing encapsulations of the
// pointers natively in the host, the same invite a few times faster: the
// KEM is what WebAssembly does worst, and the host has the native core's
// (circl's, constant time as natively).
//
// Compiling the module takes about a second; WithCacheDir keeps the
// compiled code on disk for the next process, WithCompilationCache shares
// it between the Modules of one process.
//
// A Module is safe for concurrent use; calls are serialized.
package host

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/welcome-pointers/wasm/internal/ops"
	"github.com/welcome-pointers/wasm/wasip1/abi"
)

// DefaultArtifact is where ./build.sh wasip1 writes the reactor, relative
// to the repository root.
const DefaultArtifact = "dist/wasip1/welcome-pointers.wasm"

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
	cacheDir       string
	stdout, stderr io.Writer
	nativeKEM      bool
	rand           io.Reader // the module's random source and the native KEM's
}

// WithCompilationCache shares compiled code between modules and, with a
// directory cache (wazero.NewCompilationCacheWithDir), between
// processes. The caller closes it after the modules.
func WithCompilationCache(c wazero.CompilationCache) Option {
	return func(cf *config) { cf.cache = c }
}

// WithCacheDir keeps the compiled module in dir (created if missing), so
// that the next process that loads the same module skips compiling it.
// The Module closes the cache with itself.
func WithCacheDir(dir string) Option {
	return func(cf *config) { cf.cacheDir = dir }
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
	cache  wazero.CompilationCache // owned (WithCacheDir), or nil
	mod    api.Module
	mem    api.Memory
	alloc  api.Function
	free   api.Function
	fns    map[string]api.Function // the operations' exports
	broken error

	nativeKEM bool      // WithNativeKEM
	rand      io.Reader // what the module's random_get and the native KEM read
}

var (
	i32 = api.ValueTypeI32
	// signatures of the exports ABI.md lists.
	signatures = func() map[string][2][]api.ValueType {
		m := map[string][2][]api.ValueType{
			abi.ExportAlloc:      {{i32}, {i32}},
			abi.ExportFree:       {{i32}, {i32}},
			abi.ExportABIVersion: {nil, {i32}},
			abi.ExportLiveBlocks: {nil, {i32}},
			abi.ExportVersion:    {nil, {i32}},
			abi.StartFunction:    {nil, nil},
		}
		for _, op := range ops.Exported(ops.ABI) {
			if op.Info().Plain {
				m[op.Info().Export] = [2][]api.ValueType{nil, {i32}}
			} else {
				m[op.Info().Export] = [2][]api.ValueType{{i32, i32}, {i32}}
			}
		}
		return m
	}()
)

// New compiles and instantiates the reactor module wasm: WASI preview 1,
// crypto/rand as its random source, the real clocks, then _initialize.
// It checks that every export of ABI.md is there with its signature and
// that wp_abi_version is abi.Version.
func New(ctx context.Context, wasm []byte, opts ...Option) (*Module, error) {
	cf := config{stdout: io.Discard, stderr: os.Stderr, rand: rand.Reader}
	for _, o := range opts {
		o(&cf)
	}
	var owned wazero.CompilationCache
	if cf.cacheDir != "" && cf.cache == nil {
		c, err := wazero.NewCompilationCacheWithDir(cf.cacheDir)
		if err != nil {
			return nil, fmt.Errorf("host: compilation cache: %w", err)
		}
		cf.cache, owned = c, c
	}
	rc := wazero.NewRuntimeConfigCompiler()
	if cf.cache != nil {
		rc = rc.WithCompilationCache(cf.cache)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, rc)
	m, err := instantiate(ctx, rt, wasm, &cf)
	if err != nil {
		rt.Close(ctx)
		if owned != nil {
			owned.Close(ctx)
		}
		return nil, err
	}
	m.cache = owned
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
		WithRandSource(cf.rand).
		WithSysWalltime().
		WithSysNanotime().
		WithSysNanosleep().
		WithStdout(cf.stdout).
		WithStderr(cf.stderr)
	mod, err := rt.InstantiateModule(ctx, compiled, mc)
	if err != nil {
		return nil, fmt.Errorf("host: instantiating the reactor: %w", err)
	}
	m := &Module{rt: rt, mod: mod, mem: mod.Memory(), fns: map[string]api.Function{}, nativeKEM: cf.nativeKEM, rand: cf.rand}
	if m.mem == nil {
		return nil, errors.New("host: the module exports no memory")
	}
	m.alloc = mod.ExportedFunction(abi.ExportAlloc)
	m.free = mod.ExportedFunction(abi.ExportFree)
	for _, op := range ops.Exported(ops.ABI) {
		if !op.Info().Plain {
			m.fns[op.Info().Export] = mod.ExportedFunction(op.Info().Export)
		}
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

// Close releases the module, its runtime and the cache of WithCacheDir.
func (m *Module) Close(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.broken == nil {
		m.broken = errors.New("module closed")
	}
	err := m.rt.Close(ctx)
	if m.cache != nil {
		err = errors.Join(err, m.cache.Close(ctx))
		m.cache = nil
	}
	return err
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
	d := abi.NewDecoder(payload)
	v := d.String("version")
	if err := d.Finish(); err != nil {
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
	}
	if fn == nil {
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

// Call runs an operation export (the Export of an operation that takes a
// request) on raw
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
