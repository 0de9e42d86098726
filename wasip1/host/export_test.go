package host

import (
	"context"
	"fmt"
	"io"
)

// RawCall calls any export with raw arguments, for the tests that hand
// the module bad pointers. A trap is returned as *TrapError.
func (m *Module) RawCall(ctx context.Context, export string, params ...uint64) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.broken != nil {
		return 0, fmt.Errorf("host: %s: module unusable: %w", export, m.broken)
	}
	fn := m.mod.ExportedFunction(export)
	if fn == nil {
		return 0, fmt.Errorf("host: no export %s", export)
	}
	res, err := fn.Call(ctx, params...)
	if err != nil {
		m.broken = &TrapError{Export: export, Err: err}
		return 0, m.broken
	}
	if len(res) == 0 {
		return 0, nil
	}
	return res[0], nil
}

// HasExport reports whether the module exports a function of that name.
func (m *Module) HasExport(name string) bool { return m.mod.ExportedFunction(name) != nil }

// TakeResult reads and frees the result block at ptr, as Call does.
func (m *Module) TakeResult(ctx context.Context, export string, ptr uint32) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.takeResultLocked(ctx, export, ptr)
}

// WriteMemory writes b at ptr in the module's memory.
func (m *Module) WriteMemory(ptr uint32, b []byte) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.mem.Write(ptr, b)
}

// WithRandSource sets what the module's random_get and the native KEM
// read (crypto/rand by default), for the tests that pin bytes.
func WithRandSource(r io.Reader) Option {
	return func(cf *config) { cf.rand = r }
}
