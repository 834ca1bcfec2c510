package riskcloud_test

// An adversarial v2 server, from a review of the v2 walk: a log of
// entries {id, created ms or none} served in a chosen order, with knobs for
// misbehaviour, and a hook that changes the log before each request but the
// first. It shares nothing with riskcloudtest.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
)

type advEnt struct {
	id   string
	ms   int64
	noTs bool
	seq  int // insertion order, the tie-break of consistent orders
	user int
}

type advServer struct {
	mu   sync.Mutex
	ents []advEnt
	seq  int
	rng  *rand.Rand

	order      string // "new" (default), "old", "id", "shuffle" (random every request), "tieRandom" (newest first, ties random every request)
	ignoreMax  bool   // ignore created-max (and created-min)
	nullsOut   bool   // SQL semantics: created-max/min drop entries without created
	totalMode  string // "", "missing", "plus", "minus", "stale" (first request's count forever)
	prevPage   bool   // answer page N with page N-1's entries, labelled N
	noNumber   bool
	maxSize    int
	echoSize   bool
	numericIDs bool
	dupID      bool // every page repeats the id of its first entry on its last entry (a buggy join)
	defSize    int

	hook     func(s *advServer, req int)
	trace    *strings.Builder
	reqs     int
	deleted  map[string]bool
	firstTot int64
}

func newAdv(seed uint64) *advServer {
	return &advServer{rng: rand.New(rand.NewPCG(seed, 0xadd)), deleted: map[string]bool{}, defSize: 20}
}

func (s *advServer) add(ms int64, noTs bool, user int) string {
	s.seq++
	id := fmt.Sprintf("a%06d", s.seq)
	if s.numericIDs {
		id = strconv.Itoa(1000000 + s.seq)
	}
	s.ents = append(s.ents, advEnt{id: id, ms: ms, noTs: noTs, seq: s.seq, user: user})
	return id
}

// sorted returns the entries in server order; oldest/newest by ms (no
// created sorts as oldest), ties by seq.
func (s *advServer) sorted() []advEnt {
	es := slices.Clone(s.ents)
	key := func(e advEnt) int64 {
		if e.noTs {
			return -1 << 62
		}
		return e.ms
	}
	switch s.order {
	case "old":
		slices.SortStableFunc(es, func(a, b advEnt) int {
			if c := cmpI(key(a), key(b)); c != 0 {
				return c
			}
			return cmpI(int64(a.seq), int64(b.seq))
		})
	case "id":
		slices.SortFunc(es, func(a, b advEnt) int { return strings.Compare(a.id, b.id) })
	case "shuffle":
		s.rng.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
	case "tieRandom":
		s.rng.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
		slices.SortStableFunc(es, func(a, b advEnt) int { return cmpI(key(b), key(a)) })
	default:
		slices.SortStableFunc(es, func(a, b advEnt) int {
			if c := cmpI(key(b), key(a)); c != 0 {
				return c
			}
			return cmpI(int64(b.seq), int64(a.seq))
		})
	}
	return es
}

func cmpI(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (s *advServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := r.URL.Query()
	if s.reqs > 0 && s.hook != nil {
		s.hook(s, s.reqs)
	}
	s.reqs++
	page, _ := strconv.Atoi(q.Get("page"))
	size := s.defSize
	if v := q.Get("size"); v != "" {
		size, _ = strconv.Atoi(v)
	}
	reported := size
	if s.maxSize > 0 && size > s.maxSize {
		size = s.maxSize
		if !s.echoSize {
			reported = size
		}
	}
	lo, hi := int64(-1<<63), int64(1<<63-1)
	if v := q.Get("created-min"); v != "" {
		lo, _ = strconv.ParseInt(v, 10, 64)
	}
	if v := q.Get("created-max"); v != "" {
		hi, _ = strconv.ParseInt(v, 10, 64)
	}
	var es []advEnt
	for _, e := range s.sorted() {
		if !s.ignoreMax {
			if e.noTs {
				if s.nullsOut && (q.Get("created-max") != "" || q.Get("created-min") != "") {
					continue
				}
			} else if e.ms < lo || e.ms > hi {
				continue
			}
		}
		es = append(es, e)
	}
	total := int64(len(es))
	served := page
	if s.prevPage && page > 0 {
		served = page - 1
	}
	from := min(int64(served)*int64(size), total)
	to := min(from+int64(size), total)
	var b strings.Builder
	b.WriteString(`{"content":[`)
	for i := from; i < to; i++ {
		e := es[i]
		if s.dupID && i == to-1 && to-from > 1 {
			e.id = es[from].id
		}
		if i > from {
			b.WriteByte(',')
		}
		id := strconv.Quote(e.id)
		if s.numericIDs {
			id = e.id
		}
		created := strconv.FormatInt(e.ms, 10)
		if e.noTs {
			created = "null"
		}
		fmt.Fprintf(&b, `{"id":%s,"type":"LOGIN","user":{"id":"u%d","name":"U","email":"u%d@example.com","object":"user"},"remoteAddress":"192.0.2.1","details":"x","created":%s,"object":"access_audit"}`,
			id, e.user, e.user, created)
	}
	if s.reqs == 1 {
		s.firstTot = total
	}
	shown := total
	switch s.totalMode {
	case "plus":
		shown = total + 5
	case "minus":
		shown = max(total-5, 0)
	case "stale":
		shown = s.firstTot
	}
	tp := (shown + int64(size) - 1) / int64(size)
	if s.trace != nil {
		fmt.Fprintf(s.trace, "req %d page=%d size=%d max=%s -> %s total=%d\n", s.reqs, page, size, q.Get("created-max"), b.String()[12:], total)
	}
	b.WriteString(`],"links":null,"page":{"size":` + strconv.Itoa(reported))
	if s.totalMode != "missing" {
		fmt.Fprintf(&b, `,"totalElements":%d,"totalPages":%d`, shown, tp)
	}
	if !s.noNumber {
		fmt.Fprintf(&b, `,"number":%d`, page)
	}
	b.WriteString("}}")
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(b.String()))
}

// advResult is one walk's outcome.
type advResult struct {
	dups, lost    []string
	err           error
	reqs, yielded int
	expected      int
	timedOut      bool
}

func (r advResult) String() string {
	trim := func(s []string) []string { return s[:min(len(s), 5)] }
	return fmt.Sprintf("expected=%d yielded=%d reqs=%d dups=%d%v lost=%d%v err=%v timeout=%v",
		r.expected, r.yielded, r.reqs, len(r.dups), trim(r.dups), len(r.lost), trim(r.lost), r.err, r.timedOut)
}

func (r advResult) ok() bool {
	return len(r.dups) == 0 && len(r.lost) == 0 && r.err == nil && !r.timedOut
}

// advWalk walks s and compares with the ids present at the start, not
// deleted since, and passing keep (the filters; nil keeps all).
func advWalk(t *testing.T, s *advServer, opts riskcloud.AccessAuditOptions, keep func(advEnt) bool) advResult {
	t.Helper()
	s.mu.Lock()
	var start []advEnt
	start = append(start, s.ents...)
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	c := newTestClient(t, s)
	got := map[string]int{}
	var res advResult
	for a, err := range c.Audits.Access(&opts).All(ctx) {
		if err != nil {
			res.err = err
			break
		}
		got[a.ID]++
		res.yielded++
		if got[a.ID] == 2 {
			res.dups = append(res.dups, a.ID)
		}
	}
	res.timedOut = ctx.Err() != nil
	s.mu.Lock()
	defer s.mu.Unlock()
	res.reqs = s.reqs
	for _, e := range start {
		if s.deleted[e.id] || (keep != nil && !keep(e)) {
			continue
		}
		res.expected++
		if got[e.id] == 0 {
			res.lost = append(res.lost, fmt.Sprintf("%s@%d", e.id, e.ms))
		}
	}
	return res
}
