package host

import (
	"context"

	"github.com/welcome-pointers/wasm/wasip1/abi"
)

// ClearKeyCache calls wp_clear_key_cache: the module zeroes and forgets
// the private keys it keeps expanded. Call it at logout.
func (m *Module) ClearKeyCache(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, err := m.callLocked(ctx, abi.ExportClearKeyCache)
	if err != nil {
		return err
	}
	if st != uint64(abi.OK) {
		return &ProtocolError{Export: abi.ExportClearKeyCache, Msg: "returned " + abi.Code(st).String()}
	}
	return nil
}
