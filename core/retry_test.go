package core_test

// The pending-pointer schedule, with an injected clock: every time is a
// plain time.Time and nothing sleeps.

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/welcome-pointers/wasm/core"
)

// welcomeAt is the created_ns of the welcome in these tests.
var welcomeAt = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func TestDefaultRetryPolicy(t *testing.T) {
	p := core.DefaultRetryPolicy()
	want := core.RetryPolicy{
		FirstRetry:  5 * time.Minute,
		Backoff:     1.5,
		MaxDelay:    2 * time.Hour,
		Expiry:      3 * 24 * time.Hour,
		MaxAttempts: 100,
		Quick: core.QuickRetry{
			Attempts: 5,
			Initial:  50 * time.Millisecond,
			Factor:   3,
			Jitter:   25 * time.Millisecond,
			PerTry:   30 * time.Second,
			Total:    120 * time.Second,
		},
	}
	if p != want {
		t.Fatalf("DefaultRetryPolicy() =\n%+v\nwant (spec section 5)\n%+v", p, want)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestRetryDelay(t *testing.T) {
	p := core.DefaultRetryPolicy()
	// 5 min × 1.5^n, exact in binary floating point up to the cap.
	want := []time.Duration{
		5 * time.Minute,
		7*time.Minute + 30*time.Second,
		11*time.Minute + 15*time.Second,
		16*time.Minute + 52500*time.Millisecond,
		25*time.Minute + 18750*time.Millisecond,
		37*time.Minute + 58125*time.Millisecond,
		56*time.Minute + 57187500*time.Microsecond,
		85*time.Minute + 25781250*time.Microsecond,
		2 * time.Hour, // 128.1 min: capped
		2 * time.Hour,
	}
	for n, w := range want {
		if got := p.Delay(n); got != w {
			t.Errorf("Delay(%d) = %v, want %v", n, got, w)
		}
	}
	t.Run("cap", func(t *testing.T) {
		for _, n := range []int{8, 20, 99, 100, 1000, 1 << 20, math.MaxInt} {
			if got := p.Delay(n); got != p.MaxDelay {
				t.Errorf("Delay(%d) = %v, want the cap %v", n, got, p.MaxDelay)
			}
		}
		if p.Delay(7) >= p.MaxDelay {
			t.Error("the cap is reached before the 8th delay")
		}
	})
	t.Run("negative attempts", func(t *testing.T) {
		if got := p.Delay(-1); got != p.FirstRetry {
			t.Errorf("Delay(-1) = %v", got)
		}
	})
	t.Run("monotonic", func(t *testing.T) {
		for n := 1; n < 300; n++ {
			if p.Delay(n) < p.Delay(n-1) {
				t.Fatalf("Delay(%d) < Delay(%d)", n, n-1)
			}
		}
	})
	t.Run("backoff 1", func(t *testing.T) {
		q := p
		q.Backoff = 1
		if q.Delay(50) != q.FirstRetry {
			t.Errorf("Delay(50) = %v with backoff 1", q.Delay(50))
		}
	})
}

func TestNewPending(t *testing.T) {
	p := core.DefaultRetryPolicy()
	t.Run("fresh", func(t *testing.T) {
		now := welcomeAt.Add(3 * time.Minute) // the quick phase failed
		s, err := p.NewPending(welcomeAt, now)
		if err != nil {
			t.Fatal(err)
		}
		if s.Attempts != 0 || !s.NextAttempt.Equal(now.Add(5*time.Minute)) || !s.ExpiresAt.Equal(welcomeAt.Add(72*time.Hour)) {
			t.Fatalf("%+v", s)
		}
	})
	for _, tt := range []struct {
		name string
		age  time.Duration
		want error
	}{
		{"one nanosecond before expiry", 72*time.Hour - 1, nil},
		{"exactly at expiry", 72 * time.Hour, core.ErrExpired},
		{"long expired", 1000 * time.Hour, core.ErrExpired},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.NewPending(welcomeAt, welcomeAt.Add(tt.age))
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			checkErr(t, err, tt.want)
		})
	}
}

// TestRetryAttempts runs a pending pointer through every deferred attempt,
// each one at the moment it is due.
func TestRetryAttempts(t *testing.T) {
	t.Run("exhausted at exactly MaxAttempts", func(t *testing.T) {
		p := core.DefaultRetryPolicy()
		p.Expiry = 10 * 365 * 24 * time.Hour // far enough to use every attempt
		s, err := p.NewPending(welcomeAt, welcomeAt)
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= p.MaxAttempts; i++ {
			now := s.NextAttempt
			if !p.IsDue(s, now) || p.IsDue(s, now.Add(-1)) {
				t.Fatalf("attempt %d: IsDue wrong around NextAttempt", i)
			}
			if err := p.Check(s, now); err != nil {
				t.Fatalf("attempt %d: Check: %v", i, err)
			}
			next, err := p.Failed(s, now)
			if next.Attempts != i {
				t.Fatalf("after attempt %d: Attempts = %d", i, next.Attempts)
			}
			if i < p.MaxAttempts {
				if err != nil {
					t.Fatalf("attempt %d of %d: %v", i, p.MaxAttempts, err)
				}
				if want := now.Add(p.Delay(i)); !next.NextAttempt.Equal(want) {
					t.Fatalf("attempt %d: next at %v, want %v", i, next.NextAttempt, want)
				}
			} else {
				checkErr(t, err, core.ErrAttemptsExhausted)
				checkErr(t, p.Check(next, now), core.ErrAttemptsExhausted)
			}
			s = next
		}
	})
	t.Run("default policy expires first", func(t *testing.T) {
		p := core.DefaultRetryPolicy()
		s, err := p.NewPending(welcomeAt, welcomeAt.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		// Attempts at 6, 13.5, 24.75, 41.6, 66.9, 104.9, 161.9 and 247.3
		// minutes, then every 2 h: 33 more fit in the 4,320 minutes.
		attempts := 0
		for {
			now := s.NextAttempt
			if err := p.Check(s, now); err != nil {
				checkErr(t, err, core.ErrExpired)
				if !now.After(s.ExpiresAt) && !now.Equal(s.ExpiresAt) {
					t.Fatal("expired early")
				}
				break
			}
			attempts++
			if s, err = p.Failed(s, now); err != nil {
				t.Fatalf("attempt %d: %v", attempts, err)
			}
			if attempts > p.MaxAttempts {
				t.Fatal("never expires")
			}
		}
		if attempts != 41 {
			t.Fatalf("%d attempts in 3 days, want 41", attempts)
		}
	})
}

func TestRetryBoundaries(t *testing.T) {
	p := core.DefaultRetryPolicy()
	s := core.Pending{Attempts: 10, NextAttempt: welcomeAt.Add(time.Hour), ExpiresAt: welcomeAt.Add(72 * time.Hour)}
	for _, tt := range []struct {
		name  string
		s     core.Pending
		now   time.Time
		check error
		due   bool
	}{
		{"before the next attempt", s, s.NextAttempt.Add(-time.Nanosecond), nil, false},
		{"at the next attempt", s, s.NextAttempt, nil, true},
		{"after the next attempt", s, s.NextAttempt.Add(time.Minute), nil, true},
		{"one nanosecond before expiry", s, s.ExpiresAt.Add(-time.Nanosecond), nil, true},
		{"at expiry", s, s.ExpiresAt, core.ErrExpired, true},
		{"after expiry", s, s.ExpiresAt.Add(time.Hour), core.ErrExpired, true},
		{"one attempt left", core.Pending{Attempts: 99, ExpiresAt: s.ExpiresAt}, welcomeAt, nil, true},
		{"no attempt left", core.Pending{Attempts: 100, ExpiresAt: s.ExpiresAt}, welcomeAt, core.ErrAttemptsExhausted, true},
		{"expiry wins over exhaustion", core.Pending{Attempts: 100, ExpiresAt: s.ExpiresAt}, s.ExpiresAt, core.ErrExpired, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.IsDue(tt.s, tt.now); got != tt.due {
				t.Errorf("IsDue = %v", got)
			}
			err := p.Check(tt.s, tt.now)
			if tt.check == nil {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
			} else {
				checkErr(t, err, tt.check)
			}
		})
	}
	t.Run("Failed at expiry", func(t *testing.T) {
		_, err := p.Failed(s, s.ExpiresAt)
		checkErr(t, err, core.ErrExpired)
		if _, err := p.Failed(s, s.ExpiresAt.Add(-time.Nanosecond)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRetryPolicyValidate(t *testing.T) {
	edit := func(f func(p *core.RetryPolicy)) core.RetryPolicy {
		p := core.DefaultRetryPolicy()
		f(&p)
		return p
	}
	for _, tt := range []struct {
		name string
		p    core.RetryPolicy
	}{
		{"zero policy", core.RetryPolicy{}},
		{"first retry 0", edit(func(p *core.RetryPolicy) { p.FirstRetry = 0 })},
		{"first retry negative", edit(func(p *core.RetryPolicy) { p.FirstRetry = -time.Minute })},
		{"max delay below first retry", edit(func(p *core.RetryPolicy) { p.MaxDelay = p.FirstRetry - 1 })},
		{"backoff below 1", edit(func(p *core.RetryPolicy) { p.Backoff = 0.5 })},
		{"backoff 0", edit(func(p *core.RetryPolicy) { p.Backoff = 0 })},
		{"backoff NaN", edit(func(p *core.RetryPolicy) { p.Backoff = math.NaN() })},
		{"backoff +Inf", edit(func(p *core.RetryPolicy) { p.Backoff = math.Inf(1) })},
		{"expiry 0", edit(func(p *core.RetryPolicy) { p.Expiry = 0 })},
		{"expiry negative", edit(func(p *core.RetryPolicy) { p.Expiry = -time.Hour })},
		{"max attempts 0", edit(func(p *core.RetryPolicy) { p.MaxAttempts = 0 })},
		{"max attempts negative", edit(func(p *core.RetryPolicy) { p.MaxAttempts = -1 })},
		{"quick attempts 0", edit(func(p *core.RetryPolicy) { p.Quick.Attempts = 0 })},
		{"quick initial negative", edit(func(p *core.RetryPolicy) { p.Quick.Initial = -1 })},
		{"quick factor below 1", edit(func(p *core.RetryPolicy) { p.Quick.Factor = 0.9 })},
		{"quick factor NaN", edit(func(p *core.RetryPolicy) { p.Quick.Factor = math.NaN() })},
		{"quick factor +Inf", edit(func(p *core.RetryPolicy) { p.Quick.Factor = math.Inf(1) })},
		{"quick jitter negative", edit(func(p *core.RetryPolicy) { p.Quick.Jitter = -1 })},
		{"quick per-try 0", edit(func(p *core.RetryPolicy) { p.Quick.PerTry = 0 })},
		{"quick total 0", edit(func(p *core.RetryPolicy) { p.Quick.Total = 0 })},
	} {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, tt.p.Validate(), core.ErrInvalidArgument)
		})
	}
	for _, tt := range []struct {
		name string
		p    core.RetryPolicy
	}{
		{"backoff exactly 1", edit(func(p *core.RetryPolicy) { p.Backoff = 1 })},
		{"max delay equal to first retry", edit(func(p *core.RetryPolicy) { p.MaxDelay = p.FirstRetry })},
		{"one attempt", edit(func(p *core.RetryPolicy) { p.MaxAttempts = 1; p.Quick.Attempts = 1 })},
		{"no quick wait or jitter", edit(func(p *core.RetryPolicy) { p.Quick.Initial = 0; p.Quick.Jitter = 0 })},
	} {
		t.Run("valid: "+tt.name, func(t *testing.T) {
			if err := tt.p.Validate(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestQuickDelay(t *testing.T) {
	q := core.DefaultRetryPolicy().Quick
	ms := time.Millisecond
	for _, tt := range []struct {
		name    string
		attempt int
		jitter  time.Duration
		want    time.Duration
	}{
		{"first try", 0, 0, 0},
		{"first try ignores jitter", 0, 10 * ms, 0},
		{"negative attempt", -3, 10 * ms, 0},
		{"second try", 1, 0, 50 * ms},
		{"third try", 2, 0, 150 * ms},
		{"fourth try", 3, 0, 450 * ms},
		{"fifth try", 4, 0, 1350 * ms},
		{"jitter added", 2, 10 * ms, 160 * ms},
		{"jitter at its bound", 2, 25 * ms, 175 * ms},
		{"jitter clamped high", 2, 100 * ms, 175 * ms},
		{"jitter clamped low", 2, -100 * ms, 150 * ms},
		{"capped at the phase total", 20, 0, 120 * time.Second},
		{"capped, jitter still clamped", 1000, time.Hour, 120*time.Second + 25*ms},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := q.QuickDelay(tt.attempt, tt.jitter); got != tt.want {
				t.Fatalf("QuickDelay(%d, %v) = %v, want %v", tt.attempt, tt.jitter, got, tt.want)
			}
		})
	}
	t.Run("the whole quick phase fits its budget", func(t *testing.T) {
		var wait time.Duration
		for a := 1; a < q.Attempts; a++ {
			wait += q.QuickDelay(a, q.Jitter)
		}
		if wait != 2100*ms {
			t.Fatalf("worst-case waits of the quick phase = %v, want 2.1s", wait)
		}
		if wait >= q.Total {
			t.Fatal("the waits alone exceed the phase total")
		}
	})
}

// TestQuickNext: the quick phase's plan, as the JS resolver used to
// decide it itself: another try while tries are left and its start stays
// inside Total.
func TestQuickNext(t *testing.T) {
	q := core.DefaultRetryPolicy().Quick
	ms := time.Millisecond
	for _, tt := range []struct {
		name    string
		tries   int
		elapsed time.Duration
		jitter  time.Duration
		want    time.Duration
		more    bool
	}{
		{"after the first try", 1, 0, 0, 50 * ms, true},
		{"after the second, with jitter", 2, 60 * ms, 10 * ms, 160 * ms, true},
		{"after the fourth", 4, 700 * ms, 0, 1350 * ms, true},
		{"no try left", 5, 2 * time.Second, 0, 0, false},
		{"more tries than planned", 9, 0, 0, 0, false},
		{"the next would start past the total", 2, 119_900 * ms, 0, 0, false},
		{"the next would start at the total", 1, 119_950 * ms, 0, 0, false},
		{"just inside the total", 1, 119_949 * ms, 0, 50 * ms, true},
		{"a clock gone back counts as no time", 1, -time.Hour, 0, 50 * ms, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, more := q.Next(tt.tries, tt.elapsed, tt.jitter)
			if got != tt.want || more != tt.more {
				t.Fatalf("Next(%d, %v, %v) = %v, %v; want %v, %v", tt.tries, tt.elapsed, tt.jitter, got, more, tt.want, tt.more)
			}
		})
	}
}

func TestKeepUntil(t *testing.T) {
	p := core.DefaultRetryPolicy()
	now := welcomeAt.Add(time.Hour)
	if got, want := p.KeepUntil(welcomeAt, now), now.Add(p.Expiry); !got.Equal(want) {
		t.Errorf("welcome in the past: KeepUntil = %v, want now + Expiry = %v", got, want)
	}
	if got, want := p.KeepUntil(now.Add(time.Hour), now), now.Add(time.Hour+p.Expiry); !got.Equal(want) {
		t.Errorf("welcome ahead of the clock: KeepUntil = %v, want welcome + Expiry = %v", got, want)
	}
	// A duplicate is refused as too old from welcomeTime + Expiry on: the
	// entry must outlive that instant.
	if _, err := p.NewPending(welcomeAt, p.KeepUntil(welcomeAt, welcomeAt)); !errors.Is(err, core.ErrExpired) {
		t.Errorf("at KeepUntil a duplicate is not refused as expired: %v", err)
	}
}

func TestIsFinal(t *testing.T) {
	for _, tt := range []struct {
		err   error
		final bool
	}{
		{core.ErrDecrypt, true},
		{core.ErrNotPointee, true},
		{fmt.Errorf("%w: pointee of 30000000 bytes", core.ErrTooLarge), true},
		{core.ErrMalformed, false},
		{core.ErrExpired, false},
		{core.ErrInvalidArgument, false},
		{errors.New("network down"), false},
		{nil, false},
	} {
		if got := core.IsFinal(tt.err); got != tt.final {
			t.Errorf("IsFinal(%v) = %v, want %v", tt.err, got, tt.final)
		}
	}
}
