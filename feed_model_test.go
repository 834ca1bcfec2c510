package riskcloud_test

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// propConfig is one seed's draw of what the API leaves open to a Feed.
type propConfig struct {
	v2          bool
	size        int // page size asked (1–50)
	maxPage     int // the server's clamp (0: none)
	prefetch    int
	buffer      int // Feed.Buffer (0: the default)
	limit       int // ListOptions.Limit: the cap of each poll (0: none)
	lag         time.Duration
	since       bool // the first Pager has a Since within the log
	oldestFirst bool
	created     riskcloudtest.CreatedEncoding
	// Per change, at most: arrivals stamped now, of which ties share a
	// millisecond; twins re-added (v1: the same bytes); entries written
	// late, up to twice the lag before the newest yielded; the oldest
	// deleted (retention); and the odds (1 in n) of a change before a
	// page request, and of faults that outlast the retries.
	arrivals, twins, late, retained int
	changeOdds, faultOdds           int
	runs                            int
	maxEntries                      int // entries added in all
}

func (c propConfig) String() string {
	api := "v1"
	if c.v2 {
		api = fmt.Sprintf("v2 oldestFirst=%v created=%d", c.oldestFirst, c.created)
	}
	return fmt.Sprintf("%s size=%d maxPage=%d prefetch=%d buffer=%d limit=%d lag=%v since=%v arrivals=%d twins=%d late=%d retained=%d odds=1/%d faults=1/%d runs=%d",
		api, c.size, c.maxPage, c.prefetch, c.buffer, c.limit, c.lag, c.since, c.arrivals, c.twins, c.late, c.retained,
		c.changeOdds, c.faultOdds, c.runs)
}

var propLags = []time.Duration{time.Millisecond, 3 * time.Millisecond, 20 * time.Millisecond,
	250 * time.Millisecond, 1500 * time.Millisecond, 0}

func drawPropConfig(rng *rand.Rand, v2 bool) propConfig {
	c := propConfig{v2: v2, size: 1 + rng.IntN(50), prefetch: rng.IntN(4), lag: propLags[rng.IntN(len(propLags))],
		since: rng.IntN(4) == 0, oldestFirst: rng.IntN(2) == 0, created: riskcloudtest.CreatedEncoding(rng.IntN(3)),
		arrivals: rng.IntN(4), twins: rng.IntN(3), late: rng.IntN(3), retained: rng.IntN(3),
		changeOdds: 1 + rng.IntN(4), faultOdds: 20 + rng.IntN(60), runs: 3 + rng.IntN(7)}
	if rng.IntN(4) == 0 {
		c.size = 1 + rng.IntN(3) // pages of one to three
	}
	if rng.IntN(4) == 0 {
		c.maxPage = 1 + rng.IntN(10)
	}
	if rng.IntN(5) > 0 {
		c.buffer = 1 + rng.IntN(50)
	}
	if rng.IntN(3) == 0 {
		c.limit = 1 + rng.IntN(30)
	}
	// A poll re-reads the lag window: in pages of one, keep it short.
	c.maxEntries = 200
	if small := c.size; small <= 3 || c.maxPage > 0 && c.maxPage <= 3 {
		c.maxEntries = 60
	}
	if !v2 && c.prefetch > 0 {
		// A v1 walk with Prefetch loses an entry written late behind its
		// frontier (TestPager_All_prefetchLateWrite, skipped for the
		// lead): the feed's lag finds it again, but out of order, or, when
		// retention hides the write from the count, as a second twin.
		// Sequential walks range over late writes here.
		c.late = 0
	}
	if c.lag > 0 && rng.IntN(3) == 0 {
		c.lag += time.Duration(rng.IntN(int(time.Millisecond))) // a lag of no whole milliseconds
	}
	return c
}

// propConfig.maxEntries also keeps every cursor under MaxCursorEntries,
// whose raised floor the "must" rule does not model (it has tests of its
// own).

// propModel is one seed's log: the fake server, its mirror, and the
// clock that stamps arrivals (an hour behind the real one, where v2's
// walks read, and advanced only by the test, so that a seed repeats).
type propModel struct {
	mu     sync.Mutex
	cfg    propConfig
	rng    *rand.Rand
	srv    *riskcloudtest.Server
	mirror *propMirror
	ledger *propLedger
	now    time.Time
	serial int
	frozen bool // the drain: no more changes or faults
	trace  []string
}

// note adds to the trace a failure reports.
func (m *propModel) note(format string, args ...any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.noteLocked(format, args...)
}

func (m *propModel) noteLocked(format string, args ...any) {
	if len(m.trace) > 4000 {
		m.trace = append(m.trace[:0], m.trace[2000:]...)
	}
	m.trace = append(m.trace, fmt.Sprintf(format, args...))
}

// stamp returns ts as one of v1's timestamp forms, and ts as the client
// reads it back: truncated to the form's precision.
func (m *propModel) stamp(ts time.Time) (string, time.Time) {
	if m.cfg.v2 {
		return "", ts.Truncate(time.Millisecond)
	}
	switch m.rng.IntN(6) {
	case 0:
		ts = ts.Truncate(time.Millisecond)
		return strconv.FormatInt(ts.UnixMilli(), 10), ts
	case 1:
		ts = ts.Truncate(time.Millisecond)
		return `"` + strconv.FormatInt(ts.UnixMilli(), 10) + `"`, ts
	case 2:
		ts = ts.Truncate(time.Millisecond)
		return `"` + ts.UTC().Format("2006-01-02T15:04:05.000Z") + `"`, ts
	case 3:
		ts = ts.Truncate(time.Microsecond)
		return `"` + ts.UTC().Format("2006-01-02T15:04:05.000000Z07:00") + `"`, ts
	case 4:
		return `"` + ts.UTC().Format("2006-01-02T15:04:05.000000000") + `"`, ts // no zone: UTC
	}
	return `"` + ts.UTC().Format(time.RFC3339Nano) + `"`, ts
}

// addAt adds one new entry stamped ts; the caller holds mu.
func (m *propModel) addAt(ts time.Time) {
	if m.serial >= m.cfg.maxEntries {
		return
	}
	m.serial++
	form, ts := m.stamp(ts)
	if m.cfg.v2 {
		id := fmt.Sprintf("a%05d", m.serial)
		types := []riskcloud.AccessAuditType{riskcloud.AuditLogin, riskcloud.AuditLoginFailed, riskcloud.AuditLogout}
		m.srv.AddAudits(riskcloud.AccessAudit{ID: id, Type: types[m.serial%3], Created: ts, RemoteAddress: "192.0.2.9",
			Details: "prop " + strconv.Itoa(m.serial), User: riskcloud.AuditUser{ID: "u1", Name: "Una", Email: "una@example.com"}})
		m.mirror.add(id, ts, m.serial)
		m.noteLocked("add %s %v", id, ts.Format("05.000000000"))
		return
	}
	raw := fmt.Sprintf(`{"type":"Login","timestamp":%s,"message":null,"remoteAddress":"198.51.100.%d","serial":%d}`,
		form, m.serial%250, m.serial)
	m.srv.Add(riskcloud.Entry{Type: riskcloud.Login, Timestamp: ts, Raw: []byte(raw)})
	m.mirror.add(raw, ts, m.serial)
	m.noteLocked("add #%d %v", m.serial, ts.Format("05.000000000"))
}

// addTwin adds again the newest entry: v1 the same bytes, an identical
// twin, so that a burst of them goes on (twins apart in the log, with
// other entries of their millisecond between them, are beyond what a v1
// walk can tell from a server that repeats itself: the README's limit);
// v2 the same time under a new id. The caller holds mu.
func (m *propModel) addTwin() {
	alive := m.mirror.alive
	if len(alive) == 0 || m.serial >= m.cfg.maxEntries {
		return
	}
	e := alive[len(alive)-1]
	if c := m.mirror.contents[e.content]; c.added-c.deleted >= 4 {
		// A burst of identical entries longer than about 25 pages ends a
		// v1 walk (the README's limit): bursts here stay short.
		return
	}
	if m.cfg.v2 {
		m.addAt(e.ts)
		return
	}
	m.srv.Add(riskcloud.Entry{Type: riskcloud.Login, Timestamp: e.ts, Raw: []byte(e.content)})
	m.mirror.add(e.content, e.ts, m.mirror.contents[e.content].serial)
	m.noteLocked("twin #%d %v", m.mirror.contents[e.content].serial, e.ts.Format("05.000000000"))
}

// seed fills the log with n entries before the first run.
func (m *propModel) seed(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for range n {
		m.tick()
		m.addAt(m.now)
		if m.rng.IntN(6) == 0 {
			m.addTwin()
		}
	}
}

// tick advances the clock: not at all (a tie), or by up to 3 ms, whole
// milliseconds or not.
func (m *propModel) tick() {
	switch m.rng.IntN(4) {
	case 0:
	case 1:
		m.now = m.now.Add(time.Duration(1+m.rng.IntN(3)) * time.Millisecond)
	default:
		m.now = m.now.Add(time.Duration(1 + m.rng.IntN(3*int(time.Millisecond))))
	}
}

// change stages what happens between two requests, or two polls.
func (m *propModel) change(between bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.frozen {
		return
	}
	for range m.rng.IntN(m.cfg.arrivals + 1) {
		m.tick()
		m.addAt(m.now)
	}
	for range m.rng.IntN(m.cfg.twins + 1) {
		m.addTwin()
	}
	if newest := m.ledger.newestYield(); !newest.IsZero() {
		lag := m.cfg.lag
		if lag == 0 {
			lag = riskcloud.DefaultLag
		}
		for range m.rng.IntN(m.cfg.late + 1) {
			// Within the lag before the newest entry yielded, or (one in
			// three) further back, where a feed may miss it.
			back := time.Duration(m.rng.Int64N(int64(lag) + 1))
			if m.rng.IntN(3) == 0 {
				back += lag
			}
			m.addAt(newest.Add(-back))
		}
	}
	if n := m.rng.IntN(m.cfg.retained + 1); n > 0 && (between || m.cfg.v2 || m.cfg.twins == 0) {
		// Twins at a page boundary while the log gains and loses entries
		// between two requests may be yielded twice by a v1 walk (the
		// README's documented limit), and so by a feed: such a log loses
		// entries only between polls here.
		m.srv.RemoveOldest(n)
		m.mirror.removeOldest(n)
		m.noteLocked("removed %d oldest", n)
	}
}

// beforePage is the server's hook: a change, sometimes, and now and then
// more faults in a row than the client retries.
func (m *propModel) beforePage(s *riskcloudtest.Server, page int) {
	if m.rng2(m.cfg.changeOdds) {
		m.change(false)
	}
	if m.rng2(m.cfg.faultOdds) {
		s.FailNext(4, riskcloudtest.Fault{Status: 503})
	}
	m.note("page %d", page)
}

// rng2 reports a one-in-n draw, false once frozen.
func (m *propModel) rng2(n int) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return !m.frozen && m.rng.IntN(n) == 0
}
