//go:build js && wasm

package main

import (
	"errors"
	"math"
	"syscall/js"
	"time"

	"github.com/welcome-pointers/wasm/core"
)

// The retry schedule, exported so the JS store never re-implements it.
// Everything crosses as plain numbers: durations and times in
// milliseconds (times since the Unix epoch, as Date.now()). A policy
// argument may be undefined (the deployed defaults) or an object with
// any subset of the fields of retry.defaultPolicy(); missing fields keep
// their default, and the result must pass RetryPolicy.Validate.

// maxMs bounds times: Date's own range (8.64e15 ms). maxDurationMs
// bounds durations well inside time.Duration's range (about 31 years).
const (
	maxMs         = 8.64e15
	maxDurationMs = 1e12
)

func retryNamespace() js.Value {
	r := newObject()
	r.Set("defaultPolicy", syncFunc(retryDefaultPolicy))
	r.Set("policy", syncFunc(retryPolicyFn))
	r.Set("newPending", syncFunc(retryNewPending))
	r.Set("failed", syncFunc(retryFailed))
	r.Set("check", syncFunc(retryCheck))
	r.Set("isDue", syncFunc(retryIsDue))
	r.Set("delay", syncFunc(retryDelay))
	r.Set("quickDelay", syncFunc(retryQuickDelay))
	return r
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func policyToJS(p core.RetryPolicy) js.Value {
	return js.ValueOf(map[string]any{
		"firstRetryMs": ms(p.FirstRetry),
		"backoff":      p.Backoff,
		"maxDelayMs":   ms(p.MaxDelay),
		"expiryMs":     ms(p.Expiry),
		"maxAttempts":  p.MaxAttempts,
		"quick": map[string]any{
			"attempts":  p.Quick.Attempts,
			"initialMs": ms(p.Quick.Initial),
			"factor":    p.Quick.Factor,
			"jitterMs":  ms(p.Quick.Jitter),
			"perTryMs":  ms(p.Quick.PerTry),
			"totalMs":   ms(p.Quick.Total),
		},
	})
}

// msField overrides *d with obj[key] in milliseconds, when present.
func msField(obj js.Value, key, name string, d *time.Duration) error {
	v, err := get(obj, key)
	if err != nil || isMissing(v) {
		return err
	}
	f, err := numberArg(v, name, 0, maxDurationMs)
	if err != nil {
		return err
	}
	*d = time.Duration(math.Round(f * float64(time.Millisecond)))
	return nil
}

func floatField(obj js.Value, key, name string, x *float64) error {
	v, err := get(obj, key)
	if err != nil || isMissing(v) {
		return err
	}
	*x, err = numberArg(v, name, 1, 1e6)
	return err
}

func intField(obj js.Value, key, name string, n *int) error {
	v, err := get(obj, key)
	if err != nil || isMissing(v) {
		return err
	}
	*n, err = intArg(v, name, 0, 1<<31-1)
	return err
}

// policyArg reads a policy: the defaults with the given fields replaced.
func policyArg(v js.Value) (core.RetryPolicy, error) {
	p := core.DefaultRetryPolicy()
	ok, err := optObjectArg(v, "policy")
	if err != nil || !ok {
		return p, err
	}
	for _, f := range []error{
		msField(v, "firstRetryMs", "policy.firstRetryMs", &p.FirstRetry),
		floatField(v, "backoff", "policy.backoff", &p.Backoff),
		msField(v, "maxDelayMs", "policy.maxDelayMs", &p.MaxDelay),
		msField(v, "expiryMs", "policy.expiryMs", &p.Expiry),
		intField(v, "maxAttempts", "policy.maxAttempts", &p.MaxAttempts),
	} {
		if f != nil {
			return p, f
		}
	}
	q, err := get(v, "quick")
	if err != nil {
		return p, err
	}
	if present, err := optObjectArg(q, "policy.quick"); err != nil {
		return p, err
	} else if present {
		for _, f := range []error{
			intField(q, "attempts", "policy.quick.attempts", &p.Quick.Attempts),
			msField(q, "initialMs", "policy.quick.initialMs", &p.Quick.Initial),
			floatField(q, "factor", "policy.quick.factor", &p.Quick.Factor),
			msField(q, "jitterMs", "policy.quick.jitterMs", &p.Quick.Jitter),
			msField(q, "perTryMs", "policy.quick.perTryMs", &p.Quick.PerTry),
			msField(q, "totalMs", "policy.quick.totalMs", &p.Quick.Total),
		} {
			if f != nil {
				return p, f
			}
		}
	}
	return p, p.Validate()
}

// timeArg reads a time in ms since the epoch.
func timeArg(v js.Value, name string) (time.Time, error) {
	f, err := numberArg(v, name, -maxMs, maxMs)
	if err != nil {
		return time.Time{}, err
	}
	return time.UnixMilli(int64(math.Floor(f))), nil
}

// pendingArg reads {attempts, nextAttemptMs, expiresAtMs}.
// policyStateNowArgs reads the (policy, state, nowMs) arguments that
// failed, check and isDue share.
func policyStateNowArgs(args []js.Value) (core.RetryPolicy, core.Pending, time.Time, error) {
	p, err := policyArg(arg(args, 0))
	if err != nil {
		return p, core.Pending{}, time.Time{}, err
	}
	s, err := pendingArg(arg(args, 1))
	if err != nil {
		return p, s, time.Time{}, err
	}
	now, err := timeArg(arg(args, 2), "nowMs")
	return p, s, now, err
}

func pendingArg(v js.Value) (core.Pending, error) {
	var s core.Pending
	if err := objectArg(v, "state"); err != nil {
		return s, err
	}
	e, err := get(v, "attempts")
	if err != nil {
		return s, err
	}
	if s.Attempts, err = intArg(e, "state.attempts", 0, 1<<31-1); err != nil {
		return s, err
	}
	if e, err = get(v, "nextAttemptMs"); err != nil {
		return s, err
	}
	if s.NextAttempt, err = timeArg(e, "state.nextAttemptMs"); err != nil {
		return s, err
	}
	if e, err = get(v, "expiresAtMs"); err != nil {
		return s, err
	}
	s.ExpiresAt, err = timeArg(e, "state.expiresAtMs")
	return s, err
}

// dropCode is the code of a schedule decision to drop, or null.
func dropCode(err error) any {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, core.ErrExpired):
		return codeExpired
	case errors.Is(err, core.ErrAttemptsExhausted):
		return codeAttemptsExhausted
	}
	return errorCode(err)
}

func pendingToJS(s core.Pending, drop error) js.Value {
	o := newObject()
	o.Set("attempts", s.Attempts)
	o.Set("nextAttemptMs", float64(s.NextAttempt.UnixMilli()))
	o.Set("expiresAtMs", float64(s.ExpiresAt.UnixMilli()))
	o.Set("drop", dropCode(drop))
	return o
}

// retry.defaultPolicy() -> the deployed client's schedule.
func retryDefaultPolicy(args []js.Value) (any, error) {
	return policyToJS(core.DefaultRetryPolicy()), nil
}

// retry.policy(partial) -> the complete, validated policy.
func retryPolicyFn(args []js.Value) (any, error) {
	p, err := policyArg(arg(args, 0))
	if err != nil {
		return nil, err
	}
	return policyToJS(p), nil
}

// retry.newPending(policy, welcomeTimeMs, nowMs) -> state with drop
// "ERR_EXPIRED" when the welcome is already too old to keep.
func retryNewPending(args []js.Value) (any, error) {
	p, err := policyArg(arg(args, 0))
	if err != nil {
		return nil, err
	}
	welcome, err := timeArg(arg(args, 1), "welcomeTimeMs")
	if err != nil {
		return nil, err
	}
	now, err := timeArg(arg(args, 2), "nowMs")
	if err != nil {
		return nil, err
	}
	s, drop := p.NewPending(welcome, now)
	return pendingToJS(s, drop), nil
}

// retry.failed(policy, state, nowMs) -> next state; drop names why the
// pointer must now be dropped, or is null.
func retryFailed(args []js.Value) (any, error) {
	p, s, now, err := policyStateNowArgs(args)
	if err != nil {
		return nil, err
	}
	next, drop := p.Failed(s, now)
	return pendingToJS(next, drop), nil
}

// retry.check(policy, state, nowMs) -> null, "ERR_EXPIRED" or
// "ERR_ATTEMPTS_EXHAUSTED".
func retryCheck(args []js.Value) (any, error) {
	p, s, now, err := policyStateNowArgs(args)
	if err != nil {
		return nil, err
	}
	return dropCode(p.Check(s, now)), nil
}

// retry.isDue(policy, state, nowMs) -> boolean
func retryIsDue(args []js.Value) (any, error) {
	p, s, now, err := policyStateNowArgs(args)
	if err != nil {
		return nil, err
	}
	return p.IsDue(s, now), nil
}

// retry.delay(policy, attempts) -> ms to wait after that many failures.
func retryDelay(args []js.Value) (any, error) {
	p, err := policyArg(arg(args, 0))
	if err != nil {
		return nil, err
	}
	n, err := intArg(arg(args, 1), "attempts", 0, 1<<31-1)
	if err != nil {
		return nil, err
	}
	return ms(p.Delay(n)), nil
}

// retry.quickDelay(policy, attempt, jitterMs) -> ms to wait before quick
// try number attempt (0 for the first). jitterMs is drawn by the caller
// in [0, policy.quick.jitterMs].
func retryQuickDelay(args []js.Value) (any, error) {
	p, err := policyArg(arg(args, 0))
	if err != nil {
		return nil, err
	}
	n, err := intArg(arg(args, 1), "attempt", 0, 1<<31-1)
	if err != nil {
		return nil, err
	}
	j, err := numberArg(arg(args, 2), "jitterMs", 0, maxDurationMs)
	if err != nil {
		return nil, err
	}
	return ms(p.Quick.QuickDelay(n, time.Duration(j*float64(time.Millisecond)))), nil
}
