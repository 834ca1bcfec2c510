package riskcloudtest

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/riskcloud-go/riskcloud"
)

// generateEnd is the instant of the newest entry [Generate] makes.
var generateEnd = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// The reasons Spring Security gives for a failed login.
var failureReasons = []string{
	"Bad credentials", "Bad credentials", "Bad credentials", "Bad credentials",
	"User account is locked", "User is disabled", "User account has expired",
	"User credentials have expired",
}

// Generate returns n realistic entries, newest first, the newest at
// 2026-11-01T12:00:00Z: logins and failed logins about a minute apart from a
// few dozen office, VPN and IPv6 addresses, with the occasional burst of
// failures from one address a second or two apart, as a password-guessing
// attack leaves. The same n and seed always give the same entries; each
// entry's Raw holds the JSON the server sends for it.
func Generate(n int, seed int64) []riskcloud.Entry {
	return GenerateAt(n, seed, generateEnd)
}

// GenerateAt is [Generate] with the newest entry at end (truncated to the
// millisecond), for demos that want entries up to now.
func GenerateAt(n int, seed int64, end time.Time) []riskcloud.Entry {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed_a0d1))
	regulars := addresses(rng, 40)
	out := make([]riskcloud.Entry, 0, max(n, 0))
	t := end.UTC().Truncate(time.Millisecond)
	for len(out) < n {
		if rng.IntN(1000) < 3 { // a burst: someone guessing passwords
			attacker := fmt.Sprintf("203.0.113.%d", 1+rng.IntN(254))
			for range min(5+rng.IntN(40), n-len(out)) {
				out = append(out, entry(riskcloud.LoginFail, t, attacker, "Bad credentials"))
				t = t.Add(-time.Duration(300+rng.IntN(2500)) * time.Millisecond)
			}
			continue
		}
		addr := regulars[rng.IntN(len(regulars))]
		if rng.IntN(100) < 12 {
			out = append(out, entry(riskcloud.LoginFail, t, addr, failureReasons[rng.IntN(len(failureReasons))]))
		} else {
			out = append(out, entry(riskcloud.Login, t, addr, ""))
		}
		// Exponential gaps, mean a minute, at millisecond resolution.
		t = t.Add(-time.Duration(rng.ExpFloat64() * float64(time.Minute)).Truncate(time.Millisecond))
	}
	return out
}

// addresses returns n client addresses as an office, a VPN and home users
// would have them: documentation and private ranges only.
func addresses(rng *rand.Rand, n int) []string {
	out := make([]string, n)
	for i := range out {
		switch rng.IntN(4) {
		case 0:
			out[i] = fmt.Sprintf("198.51.100.%d", 1+rng.IntN(254))
		case 1:
			out[i] = fmt.Sprintf("10.%d.%d.%d", rng.IntN(256), rng.IntN(256), 1+rng.IntN(254))
		case 2:
			out[i] = fmt.Sprintf("2001:db8:%x::%x", rng.IntN(0x10000), 1+rng.IntN(0xffff))
		default:
			out[i] = fmt.Sprintf("192.0.2.%d", 1+rng.IntN(254))
		}
	}
	return out
}

func entry(typ riskcloud.EntryType, t time.Time, addr, message string) riskcloud.Entry {
	e := riskcloud.Entry{Type: typ, Timestamp: t, Message: message, RemoteAddress: addr}
	e.Raw = encode(e)
	return e
}
