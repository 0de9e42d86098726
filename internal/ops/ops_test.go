package ops_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/internal/ops"
)

// TestTable: every operation has a JS name, and those of the ABI an
// export and a Go method of their own, the exports being the JS names in
// the ABI's case; the JS-only ones (Info.Only) have neither.
func TestTable(t *testing.T) {
	seen := map[string]string{}
	jsOnly := 0
	for _, op := range ops.Table {
		in := op.Info()
		if in.Internal && !in.In(ops.JS) {
			t.Errorf("%s: internal to the JS package but not in its bridge", in.Name)
		}
		if in.Only != ops.Both && in.Only != ops.JS {
			t.Errorf("%s: Only %d: an operation is in both bridges or in JS only", in.Name, in.Only)
		}
		if !in.In(ops.ABI) {
			jsOnly++
			if in.Export != "" || in.Go != "" || in.Plain {
				t.Errorf("%s: a JS-only operation with an export (%q), a Go method (%q) or Plain", in.Name, in.Export, in.Go)
			}
			if prev, dup := seen[in.Name]; dup || in.Name == "" {
				t.Errorf("%s: name %q also used by %s", in.Name, in.Name, prev)
			}
			seen[in.Name] = in.Name
			continue
		}
		for _, name := range []string{in.Name, in.Export, in.Go} {
			if prev, dup := seen[name]; dup || name == "" {
				t.Errorf("%s: name %q also used by %s", in.Name, name, prev)
			}
			seen[name] = in.Name
		}
		if in.Export != ops.ExportName(in.Name) {
			t.Errorf("%s: export %s, want %s", in.Name, in.Export, ops.ExportName(in.Name))
		}
		if typ, _, ok := strings.Cut(in.Go, "."); !ok || typ != "Module" && typ != "Schedule" {
			t.Errorf("%s: Go method %q is not Module.X or Schedule.X", in.Name, in.Go)
		}
		if in.Doc == "" {
			t.Errorf("%s: no Doc", in.Name)
		}
		if in.Async && !in.Seal {
			t.Errorf("%s: only seals are Async", in.Name)
		}
		if ops.Lookup(in.Name) != op {
			t.Errorf("Lookup(%q) does not find it", in.Name)
		}
	}
	if ops.Lookup("nope") != nil {
		t.Error("Lookup of an unknown name")
	}
	if got := len(ops.Exported(ops.JS)); got != len(ops.Table) {
		t.Errorf("the syscall/js bridge exports %d operations of %d", got, len(ops.Table))
	}
	if got := len(ops.Exported(ops.ABI)); got != len(ops.Table)-jsOnly || jsOnly == 0 {
		t.Errorf("the ABI exports %d operations, want %d (all but %d JS-only)", got, len(ops.Table)-jsOnly, jsOnly)
	}
}

// checker is a Fields that checks the declarations of arguments: every
// byte string, string and list JS reads has a cap, every integer a width
// the ABI has, every enumeration its names.
type checker struct {
	t    *testing.T
	op   string
	path []string
}

func (c *checker) where(f ops.Field) string {
	return c.op + ": " + strings.Join(append(c.path, f.Name), ".")
}

func (c *checker) capped(f ops.Field) {
	if f.In(ops.JS) && f.Max <= 0 {
		c.t.Errorf("%s has no Max: JS would copy any length", c.where(f))
	}
}

func (c *checker) Bytes(f ops.Field, _ *[]byte)  { c.capped(f) }
func (c *checker) String(f ops.Field, _ *string) { c.capped(f) }
func (c *checker) Uint(f ops.Field, p *uint64) {
	switch f.Bits {
	case 8, 16, 32, 64:
	default:
		c.t.Errorf("%s: %d bits", c.where(f), f.Bits)
	}
	if f.Max > 0 && f.Bits < 64 && uint64(f.Max) > 1<<f.Bits-1 {
		c.t.Errorf("%s: Max %d does not fit %d bits", c.where(f), f.Max, f.Bits)
	}
}
func (c *checker) Bool(ops.Field, *bool) {}
func (c *checker) Float(f ops.Field, _ *float64) {
	if f.Max <= f.Min {
		c.t.Errorf("%s: no range", c.where(f))
	}
}
func (c *checker) Duration(f ops.Field, _ *time.Duration) { c.Float(f, nil) }
func (c *checker) Time(f ops.Field, _ *time.Time)         { c.Float(f, nil) }
func (c *checker) Error(ops.Field, *error)                {}
func (c *checker) JSON(f ops.Field, _ *map[string]any) {
	c.t.Errorf("%s: a JSON argument cannot be read", c.where(f))
}
func (c *checker) Object(f ops.Field, fields func(ops.Fields)) {
	c.path = append(c.path, f.Name)
	fields(c)
	c.path = c.path[:len(c.path)-1]
}
func (c *checker) List(f ops.Field, _ int, _ bool) (int, bool) {
	c.capped(f)
	c.path = append(c.path, f.Name+"[]")
	return 1, true
}
func (c *checker) Elem(int)   {}
func (c *checker) End()       { c.path = c.path[:len(c.path)-1] }
func (c *checker) Err() error { return nil }

func TestArgumentDeclarations(t *testing.T) {
	for _, op := range ops.Table {
		op.New().Args(&checker{t: t, op: op.Info().Name})
	}
}

// TestCodes: the error table has one code per name and per status, one
// per core sentinel, and the codes the JS package alone reports.
func TestCodes(t *testing.T) {
	names, statuses := map[string]bool{}, map[uint32]bool{}
	for _, c := range ops.Codes {
		if !strings.HasPrefix(c.Name, "ERR_") || names[c.Name] || c.Doc == "" {
			t.Errorf("code %q: a duplicate, or without ERR_ or a Doc", c.Name)
		}
		names[c.Name] = true
		if c.Status != 0 && (statuses[c.Status] || c.Err == nil) {
			t.Errorf("%s: status %d taken, or without a Go error", c.Name, c.Status)
		}
		statuses[c.Status] = true
		if c.Status == 0 && c.Err != nil {
			t.Errorf("%s: a Go error but no status", c.Name)
		}
	}
	sentinels := []error{
		core.ErrMalformed, core.ErrDecrypt, core.ErrNoMatchingKey, core.ErrUnsupported,
		core.ErrNotPointee, core.ErrTooLarge, core.ErrInvalidKey, core.ErrInvalidArgument,
		core.ErrExpired, core.ErrAttemptsExhausted,
	}
	for _, s := range sentinels {
		wrapped := fmt.Errorf("installation 3: %w", fmt.Errorf("%w: detail", s))
		if c := ops.CodeOf(wrapped); c.Err != s {
			t.Errorf("CodeOf(%v) = %s", wrapped, c.Name)
		}
	}
	for _, name := range []string{"ERR_LOAD", "ERR_FETCH", "ERR_TIMEOUT", "ERR_CAPACITY", "ERR_RATE_LIMITED", "ERR_CLOSED", "ERR_STORE", "ERR_NOT_INITIALIZED"} {
		if !names[name] {
			t.Errorf("no %s", name)
		}
	}
	if c := ops.CodeOf(errors.New("other")); c.Name != "ERR_INTERNAL" {
		t.Errorf("an error of no code is %s", c.Name)
	}
	if c := ops.CodeOf(nil); c.Name != "" {
		t.Errorf("nil is %s", c.Name)
	}
	if c, ok := ops.CodeOfStatus(0); ok {
		t.Errorf("status 0 is %s", c.Name)
	}
}

func TestDetail(t *testing.T) {
	for err, want := range map[error]string{
		core.ErrDecrypt: "",
		fmt.Errorf("%w: pointee of 9 bytes", core.ErrTooLarge):                                  "pointee of 9 bytes",
		fmt.Errorf("installation 3: %w", core.ErrInvalidKey):                                    "installation 3",
		fmt.Errorf("installation 3: %w", fmt.Errorf("%w: low-order point", core.ErrInvalidKey)): "installation 3: low-order point",
		fmt.Errorf("welcome pointers: sealing stopped: %w", context.Canceled):                   "sealing stopped",
		errors.New("welcome pointers: reading randomness: EOF"):                                 "reading randomness: EOF",
	} {
		if got := ops.Detail(err); got != want {
			t.Errorf("Detail(%q) = %q, want %q", err, got, want)
		}
	}
}

// TestIsFinal: the codes the JS resolver ends a pointer on are the
// core's final errors.
func TestIsFinal(t *testing.T) {
	var final []string
	for _, c := range ops.Codes {
		if c.Err != nil && core.IsFinal(c.Err) {
			final = append(final, c.Name)
		}
	}
	if got := strings.Join(final, " "); got != "ERR_DECRYPT ERR_NOT_POINTEE ERR_TOO_LARGE" {
		t.Errorf("final codes: %s", got)
	}
}
