// Command wasip1 is the wasip1 reactor build of the welcome pointers core:
// a WebAssembly module with no main loop whose exports (//go:wasmexport)
// seal and open welcome pointers for a WASI preview 1 host (tested with
// wazero). Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o welcome-pointers.wasm ./wasip1
//
// (./build.sh wasip1 does this). The memory ABI, the request and result
// layouts and the status codes are in ABI.md beside this file; the Go
// types are in package abi. wasmtest/host is a Go host over wazero.
//
// This file holds the operations and builds on every target, so its
// tests run natively too; exports_wasip1.go holds the exports and the
// allocator.
package main

import (
	"encoding/json"
	"fmt"
	"runtime/debug"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/wasip1/abi"
)

// version is set at link time: -ldflags="-X main.version=...".
var version = "dev"

// main does nothing: a reactor is driven through its exports, after the
// host has called _initialize.
func main() {}

// handler decodes a request and appends its result fields to out.
type handler func(req []byte, out *abi.Encoder) error

// handlers maps each operation export to its implementation.
var handlers = map[string]handler{
	abi.ExportGenerateKey:         generateKey,
	abi.ExportInstallationFromExt: installationFromExtensions,
	abi.ExportSealInvite:          sealInvite,
	abi.ExportOpenWelcome:         openWelcome,
	abi.ExportOpenPointee:         openPointee,
	abi.ExportInspect:             inspect,
	abi.ExportToWelcomeMessage:    toWelcomeMessage,
}

// call runs one operation and returns its whole result block: the 8-byte
// header, then the result fields (status OK) or a UTF-8 error message.
// It never panics: a panic in the operation becomes status Internal.
func call(export string, req []byte) (block []byte) {
	defer func() {
		if r := recover(); r != nil {
			block = errorBlock(abi.Internal, fmt.Sprintf("%s: panic: %v\n%s", export, r, debug.Stack()))
		}
	}()
	h, ok := handlers[export]
	if !ok {
		return errorBlock(abi.Internal, export+": no such operation")
	}
	out := abi.NewEncoder(abi.ResultHeaderSize, 256)
	if err := h(req, out); err != nil {
		return errorBlock(abi.CodeOf(err), err.Error())
	}
	out.PutHeader(abi.OK)
	return out.Bytes()
}

// errorBlock is a result block with a non-OK status and a UTF-8 message.
func errorBlock(code abi.Code, msg string) []byte {
	out := abi.NewEncoder(abi.ResultHeaderSize, len(msg))
	out.Raw([]byte(msg))
	out.PutHeader(code)
	return out.Bytes()
}

// versionBlock is the result block of wp_version: str version.
func versionBlock() []byte {
	out := abi.NewEncoder(abi.ResultHeaderSize, len(version)+4)
	out.String(version)
	out.PutHeader(abi.OK)
	return out.Bytes()
}

// badRequest marks a request that does not decode.
func badRequest(export string, err error) error {
	return fmt.Errorf("%w: %s request: %v", core.ErrInvalidArgument, export, err)
}

func generateKey(req []byte, out *abi.Encoder) error {
	r, err := abi.DecodeGenerateKeyRequest(req)
	if err != nil {
		return badRequest(abi.ExportGenerateKey, err)
	}
	k, err := core.GenerateKey(r.Algorithm)
	if err != nil {
		return err
	}
	res := abi.Key{Algorithm: k.Algorithm(), PrivateKey: k.Bytes(), PublicKey: k.PublicKey()}
	res.EncodeResult(out)
	return nil
}

func installationFromExtensions(req []byte, out *abi.Encoder) error {
	r, err := abi.DecodeInstallationFromExtensionsRequest(req)
	if err != nil {
		return badRequest(abi.ExportInstallationFromExt, err)
	}
	in, err := core.InstallationFromExtensions(r.InstallationKey, r.InitKey, r.WrapperEncryption, r.PointeeAEADTypes)
	if err != nil {
		return err
	}
	res := abi.InstallationResult{Installation: in, PointerCapable: in.PointerCapable()}
	res.Encode(out)
	return nil
}

func sealInvite(req []byte, out *abi.Encoder) error {
	r, err := abi.DecodeSealInviteRequest(req)
	if err != nil {
		return badRequest(abi.ExportSealInvite, err)
	}
	opts := &core.SealOptions{KEMID: r.KEMID, MaxMessageSize: int(r.MaxMessageSize)}
	inv, err := core.SealInvite(r.Welcome, r.Cursor, r.Installations, opts)
	if err != nil {
		return err
	}
	abi.EncodeInvite(out, inv)
	return nil
}

// privateKeys loads the keys of an open request.
func privateKeys(keys []abi.Key) ([]*core.PrivateKey, error) {
	out := make([]*core.PrivateKey, len(keys))
	for i, k := range keys {
		pk, err := keyCache.Load(k.Algorithm, k.PrivateKey)
		if err != nil {
			return nil, fmt.Errorf("keys[%d]: %w", i, err)
		}
		out[i] = pk
	}
	return out, nil
}

func openWelcome(req []byte, out *abi.Encoder) error {
	r, err := abi.DecodeOpenWelcomeRequest(req)
	if err != nil {
		return badRequest(abi.ExportOpenWelcome, err)
	}
	keys, err := privateKeys(r.Keys)
	if err != nil {
		return err
	}
	opts := &core.OpenOptions{MaxMessageSize: int(r.MaxMessageSize)}
	var rec *core.Received
	switch r.Form {
	case abi.FormMessage:
		rec, err = core.OpenWelcome(r.Message, keys, opts)
	case abi.FormInput:
		rec, err = core.OpenWelcomeInput(r.Message, keys, opts)
	default:
		return fmt.Errorf("%w: form %d (want 0 for WelcomeMessage or 1 for WelcomeMessageInput)", core.ErrInvalidArgument, r.Form)
	}
	if err != nil {
		return err
	}
	res := abi.Received{
		Kind: rec.Kind, ID: rec.ID, CreatedNs: rec.CreatedNs,
		InstallationKey: rec.InstallationKey, KEMID: rec.KEMID,
		Welcome: rec.Welcome, HasCursor: rec.HasCursor, Cursor: rec.Cursor,
	}
	if p := rec.Pointer; p != nil {
		res.Pointer = p.Marshal()
		res.Destination = p.Destination
		res.AEADType = p.AEADType
		res.EncryptionKey = p.EncryptionKey
		res.DataNonce = p.DataNonce
		res.WelcomeMetadataNonce = p.WelcomeMetadataNonce
	}
	res.Encode(out)
	return nil
}

func openPointee(req []byte, out *abi.Encoder) error {
	r, err := abi.DecodeOpenPointeeRequest(req)
	if err != nil {
		return badRequest(abi.ExportOpenPointee, err)
	}
	if r.Form != abi.FormMessage && r.Form != abi.FormInput {
		return fmt.Errorf("%w: form %d (want 0 for WelcomeMessage or 1 for WelcomeMessageInput)", core.ErrInvalidArgument, r.Form)
	}
	ptr, err := core.ParsePointer(r.Pointer)
	if err != nil {
		return err
	}
	opts := &core.OpenOptions{MaxMessageSize: int(r.MaxMessageSize)}
	var p *core.OpenedPointee
	if r.Form == abi.FormMessage {
		p, err = core.OpenPointee(ptr, r.FirstMessage, opts)
	} else {
		p, err = core.OpenPointeeInput(ptr, r.FirstMessage, opts)
	}
	if err != nil {
		return err
	}
	abi.EncodePointee(out, p)
	return nil
}

func inspect(req []byte, out *abi.Encoder) error {
	r, err := abi.DecodeInspectRequest(req)
	if err != nil {
		return badRequest(abi.ExportInspect, err)
	}
	v, err := core.Inspect(r.Kind, r.Message)
	if err != nil {
		return err
	}
	j, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: encoding JSON: %v", abi.ExportInspect, err)
	}
	out.String(string(j))
	return nil
}

func toWelcomeMessage(req []byte, out *abi.Encoder) error {
	r, err := abi.DecodeToWelcomeMessageRequest(req)
	if err != nil {
		return badRequest(abi.ExportToWelcomeMessage, err)
	}
	msg, err := core.ToWelcomeMessage(r.Input, r.ID, r.CreatedNs)
	if err != nil {
		return err
	}
	out.Blob(msg)
	return nil
}
