package core

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// QuickRetry is the first phase after a pointee was not found: a few
// fast tries while the receiver still holds the pointer in memory.
type QuickRetry struct {
	// Attempts is the number of tries, the first one included.
	Attempts int
	// Initial is the delay before the second try; each later delay is
	// Factor times the previous one, plus up to Jitter.
	Initial time.Duration
	Factor  float64
	Jitter  time.Duration
	// PerTry bounds one fetch; Total bounds the whole phase.
	PerTry time.Duration
	Total  time.Duration
}

// RetryPolicy is the schedule for pending pointers, after the quick phase.
// It is the single source of truth: the browser module's store asks the
// core for every decision instead of repeating these numbers.
type RetryPolicy struct {
	// FirstRetry is the delay from storing a pending pointer to its first
	// deferred attempt.
	FirstRetry time.Duration
	// Backoff multiplies the delay after each failed attempt, up to MaxDelay.
	Backoff  float64
	MaxDelay time.Duration
	// Expiry is counted from the welcome's timestamp.
	Expiry time.Duration
	// MaxAttempts bounds the deferred attempts.
	MaxAttempts int
	Quick       QuickRetry
}

// DefaultRetryPolicy returns the deployed client's values.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		FirstRetry:  5 * time.Minute,
		Backoff:     1.5,
		MaxDelay:    2 * time.Hour,
		Expiry:      72 * time.Hour,
		MaxAttempts: 100,
		Quick: QuickRetry{
			Attempts: 5,
			Initial:  50 * time.Millisecond,
			Factor:   3,
			Jitter:   25 * time.Millisecond,
			PerTry:   30 * time.Second,
			Total:    120 * time.Second,
		},
	}
}

// Validate reports a policy that could retry forever or not at all.
func (p RetryPolicy) Validate() error {
	switch {
	case p.FirstRetry <= 0 || p.MaxDelay < p.FirstRetry:
		return fmt.Errorf("%w: retry delays must be positive and FirstRetry <= MaxDelay", ErrInvalidArgument)
	case p.Backoff < 1 || math.IsNaN(p.Backoff) || math.IsInf(p.Backoff, 0):
		return fmt.Errorf("%w: backoff must be a finite number >= 1", ErrInvalidArgument)
	case p.Expiry <= 0 || p.MaxAttempts <= 0:
		return fmt.Errorf("%w: expiry and max attempts must be positive", ErrInvalidArgument)
	case p.Quick.Attempts < 1 || p.Quick.Initial < 0 || !(p.Quick.Factor >= 1) || math.IsInf(p.Quick.Factor, 0) ||
		p.Quick.Jitter < 0 || p.Quick.PerTry <= 0 || p.Quick.Total <= 0:
		return fmt.Errorf("%w: quick retry parameters out of range", ErrInvalidArgument)
	}
	return nil
}

// Pending is the schedule state of one pending pointer.
type Pending struct {
	// Attempts is the number of deferred attempts made so far.
	Attempts    int
	NextAttempt time.Time
	ExpiresAt   time.Time
}

// NewPending schedules a pointer whose quick phase failed at now. The
// welcome's timestamp (its created_ns) sets the expiry. ErrExpired when
// the welcome is already too old to keep.
func (p RetryPolicy) NewPending(welcomeTime, now time.Time) (Pending, error) {
	s := Pending{ExpiresAt: welcomeTime.Add(p.Expiry), NextAttempt: now.Add(p.FirstRetry)}
	if !now.Before(s.ExpiresAt) {
		return s, ErrExpired
	}
	return s, nil
}

// Delay is the wait after the given number of failed deferred attempts:
// FirstRetry * Backoff^attempts, at most MaxDelay.
func (p RetryPolicy) Delay(attempts int) time.Duration {
	if attempts < 0 {
		attempts = 0
	}
	d := float64(p.FirstRetry) * math.Pow(p.Backoff, float64(attempts))
	if d >= float64(p.MaxDelay) || math.IsInf(d, 0) || math.IsNaN(d) {
		return p.MaxDelay
	}
	return time.Duration(d)
}

// IsDue reports whether a deferred attempt should run at now.
func (p RetryPolicy) IsDue(s Pending, now time.Time) bool {
	return !now.Before(s.NextAttempt)
}

// Check reports ErrExpired or ErrAttemptsExhausted for a pending pointer
// that must be dropped, and nil for one that may still be tried.
func (p RetryPolicy) Check(s Pending, now time.Time) error {
	if !now.Before(s.ExpiresAt) {
		return ErrExpired
	}
	if s.Attempts >= p.MaxAttempts {
		return ErrAttemptsExhausted
	}
	return nil
}

// KeepUntil is how long to remember a pointer that was settled at now
// (delivered or dropped), so that a duplicate of it collapses: until a
// duplicate would be refused as too old (the welcome's time plus
// Expiry), and at least Expiry from now.
func (p RetryPolicy) KeepUntil(welcomeTime, now time.Time) time.Time {
	if welcomeTime.After(now) {
		return welcomeTime.Add(p.Expiry)
	}
	return now.Add(p.Expiry)
}

// IsFinal reports whether err, from OpenPointee, is final for a pending
// pointer: the first message on its topic is a real message that will
// never open as its pointee (ErrDecrypt, ErrNotPointee, or ErrTooLarge:
// that message does not change), so retrying cannot help. Any other
// failure stays on the schedule; a malformed answer in particular comes
// from the transport, since nodes never store malformed messages.
func IsFinal(err error) bool {
	return errors.Is(err, ErrDecrypt) || errors.Is(err, ErrNotPointee) || errors.Is(err, ErrTooLarge)
}

// Failed records a deferred attempt that failed at now (pointee not found
// or a network error) and returns the next state, or ErrExpired or
// ErrAttemptsExhausted when the pointer must be dropped.
func (p RetryPolicy) Failed(s Pending, now time.Time) (Pending, error) {
	s.Attempts++
	s.NextAttempt = now.Add(p.Delay(s.Attempts))
	if err := p.Check(s, now); err != nil {
		return s, err
	}
	return s, nil
}

// Next plans the quick phase: after tries tries (at least 1), the first
// of which started elapsed ago, it returns the wait before the next try
// (QuickDelay with jitter) and true, or false when the phase is over: no
// try left, or the next one would start past Total. The caller only
// schedules what Next decides.
func (q QuickRetry) Next(tries int, elapsed, jitter time.Duration) (time.Duration, bool) {
	if tries >= q.Attempts {
		return 0, false
	}
	d := q.QuickDelay(tries, jitter)
	if elapsed < 0 {
		elapsed = 0
	}
	if elapsed+d >= q.Total {
		return 0, false
	}
	return d, true
}

// QuickDelay is the wait before quick try number attempt (1-based; the
// first try, attempt 0, has no wait). jitter in [0, Jitter] is supplied
// by the caller so the schedule stays a pure function.
func (q QuickRetry) QuickDelay(attempt int, jitter time.Duration) time.Duration {
	if attempt <= 0 {
		return 0
	}
	if jitter < 0 {
		jitter = 0
	}
	if jitter > q.Jitter {
		jitter = q.Jitter
	}
	d := float64(q.Initial) * math.Pow(q.Factor, float64(attempt-1))
	if d > float64(q.Total) || math.IsInf(d, 0) || math.IsNaN(d) {
		d = float64(q.Total)
	}
	return time.Duration(d) + jitter
}
