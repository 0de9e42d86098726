// Package core implements XMTP welcome pointers (XIP-74) with the exact
// wire format of the deployed XMTP client.
//
// A sender calls SealInvite with an MLS Welcome and the recipient
// installations. When three or more installations can take pointers, the
// Welcome is encrypted once with ChaCha20-Poly1305 and published once as
// the pointee, and each capable installation receives a small pointer,
// HPKE-sealed with X-Wing, that says where the pointee is and how to open
// it. Every other installation gets a direct welcome.
//
// A receiver calls OpenWelcome on what it reads back. A direct welcome
// opens to the Welcome; a pointer opens to a Pointer, whose pointee the
// receiver fetches (the first message on Pointer.Topic, never a later one)
// and opens with OpenPointee. A pointee that is not there yet is retried
// on the schedule of RetryPolicy.
//
// Functions never panic on bad input; they return errors that wrap the
// sentinels in errors.go, so callers can use errors.Is.
package core
