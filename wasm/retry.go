//go:build js && wasm

package main

import (
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
func msField(obj object, key string, d *time.Duration) error {
	v, name, err := obj.get(key)
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

func floatField(obj object, key string, x *float64) error {
	v, name, err := obj.get(key)
	if err != nil || isMissing(v) {
		return err
	}
	*x, err = numberArg(v, name, 1, 1e6)
	return err
}

func intField(obj object, key string, n *int) error {
	v, name, err := obj.get(key)
	if err != nil || isMissing(v) {
		return err
	}
	*n, err = intArg(v, name, 0, 1<<31-1)
	return err
}

// policyArg reads a policy: the defaults with the given fields replaced.
// A key that is not a field of retry.defaultPolicy() is an error.
func policyArg(v js.Value) (core.RetryPolicy, error) {
	p := core.DefaultRetryPolicy()
	o, ok, err := optObjectArg(v, "policy")
	if err != nil || !ok {
		return p, err
	}
	if err := o.only("firstRetryMs", "backoff", "maxDelayMs", "expiryMs", "maxAttempts", "quick"); err != nil {
		return p, err
	}
	for _, f := range []func() error{
		func() error { return msField(o, "firstRetryMs", &p.FirstRetry) },
		func() error { return floatField(o, "backoff", &p.Backoff) },
		func() error { return msField(o, "maxDelayMs", &p.MaxDelay) },
		func() error { return msField(o, "expiryMs", &p.Expiry) },
		func() error { return intField(o, "maxAttempts", &p.MaxAttempts) },
	} {
		if err := f(); err != nil {
			return p, err
		}
	}
	qv, qn, err := o.get("quick")
	if err != nil {
		return p, err
	}
	q, present, err := optObjectArg(qv, qn)
	if err != nil {
		return p, err
	}
	if present {
		if err := q.only("attempts", "initialMs", "factor", "jitterMs", "perTryMs", "totalMs"); err != nil {
			return p, err
		}
		for _, f := range []func() error{
			func() error { return intField(q, "attempts", &p.Quick.Attempts) },
			func() error { return msField(q, "initialMs", &p.Quick.Initial) },
			func() error { return floatField(q, "factor", &p.Quick.Factor) },
			func() error { return msField(q, "jitterMs", &p.Quick.Jitter) },
			func() error { return msField(q, "perTryMs", &p.Quick.PerTry) },
			func() error { return msField(q, "totalMs", &p.Quick.Total) },
		} {
			if err := f(); err != nil {
				return p, err
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
	o, err := objectArg(v, "state")
	if err != nil {
		return s, err
	}
	e, n, err := o.get("attempts")
	if err != nil {
		return s, err
	}
	if s.Attempts, err = intArg(e, n, 0, 1<<31-1); err != nil {
		return s, err
	}
	if e, n, err = o.get("nextAttemptMs"); err != nil {
		return s, err
	}
	if s.NextAttempt, err = timeArg(e, n); err != nil {
		return s, err
	}
	if e, n, err = o.get("expiresAtMs"); err != nil {
		return s, err
	}
	s.ExpiresAt, err = timeArg(e, n)
	return s, err
}

// dropCode is the code of a schedule decision to drop, or null.
func dropCode(err error) any {
	if err == nil {
		return nil
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
