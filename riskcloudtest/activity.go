package riskcloudtest

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/riskcloud-go/riskcloud"
)

// otherEvents are what an OTHER audit may say.
var otherEvents = []string{"Password changed", "Session expired", "Multi-factor authentication reset"}

// GenerateActivity returns the audits only v2 serves that go with entries
// (as [Generate] makes them and [Server.Add] files them): a LOGOUT after
// about a third of the logins, by the login's user from its address within
// a few hours (none after the newest entry: those sessions are still open),
// and now and then a TOKEN_ROLLED, a CREDENTIALS_ROLLED or an OTHER of one
// of [MadeUpUsers]. They come newest first, with empty IDs for the server to
// assign, and the same entries and seed always give the same audits. File
// them with [Server.AddAudits]; [Generate]'s entries stay as they are:
//
//	es := riskcloudtest.Generate(500, 1)
//	srv.Add(es...)
//	srv.AddAudits(riskcloudtest.GenerateActivity(es, 1)...)
func GenerateActivity(entries []riskcloud.Entry, seed int64) []riskcloud.AccessAudit {
	if len(entries) == 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0xac71_7175))
	newest, oldest := entries[0].Timestamp, entries[0].Timestamp
	for _, e := range entries {
		newest, oldest = laterOf(newest, e.Timestamp), earlierOf(oldest, e.Timestamp)
	}
	var out []riskcloud.AccessAudit
	for _, e := range entries {
		if e.Type != riskcloud.Login || rng.IntN(100) >= 35 {
			continue
		}
		// Sessions last about forty minutes, exponentially spread.
		end := e.Timestamp.Add(time.Duration((1 + rng.ExpFloat64()) * float64(40*time.Minute))).Truncate(time.Millisecond)
		if !end.After(newest) {
			out = append(out, activity(riskcloud.AuditLogout, madeUpUser(e), e.RemoteAddress, "User logged out", end))
		}
	}
	span := newest.Sub(oldest)
	sometime := func() time.Time {
		return oldest.Add(time.Duration(rng.Int64N(int64(span) + 1))).Truncate(time.Millisecond)
	}
	n := len(entries)
	for range max(1, n/150) {
		// Mostly the SIEM's service account, whose token rolls on a schedule.
		u := madeUp[len(madeUp)-1]
		if rng.IntN(4) == 0 {
			u = madeUp[rng.IntN(len(madeUp))]
		}
		out = append(out, activity(riskcloud.AuditTokenRolled, u, entries[rng.IntN(n)].RemoteAddress, "API access token rolled", sometime()))
	}
	for range max(1, n/600) {
		out = append(out, activity(riskcloud.AuditCredentialsRolled, madeUp[rng.IntN(len(madeUp))],
			entries[rng.IntN(n)].RemoteAddress, "API client credentials rolled", sometime()))
	}
	for range max(1, n/300) {
		out = append(out, activity(riskcloud.AuditOther, madeUp[rng.IntN(len(madeUp))],
			entries[rng.IntN(n)].RemoteAddress, otherEvents[rng.IntN(len(otherEvents))], sometime()))
	}
	slices.SortStableFunc(out, func(a, b riskcloud.AccessAudit) int { return b.Created.Compare(a.Created) })
	return out
}

func activity(kind riskcloud.AccessAuditType, u *user, addr, details string, at time.Time) riskcloud.AccessAudit {
	return riskcloud.AccessAudit{Type: kind, User: u.public(), RemoteAddress: addr, Details: details, Created: at.UTC()}
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func earlierOf(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
