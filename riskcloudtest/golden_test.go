package riskcloudtest_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// hashEntries digests every field of es, Raw to the byte.
func hashEntries(es []riskcloud.Entry) string {
	h := sha256.New()
	for _, e := range es {
		fmt.Fprintf(h, "%q|%s|%q|%q|%s\n", e.Type, e.Timestamp.Format(time.RFC3339Nano), e.Message, e.RemoteAddress, e.Raw)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestGenerate_golden pins Generate's output to the byte, as computed before
// the server learned v2: tests and benchmarks elsewhere depend on it.
func TestGenerate_golden(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		n    int
		seed int64
		hash string
	}{
		{0, 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{1, 1, "616a4bfe31bf72f936dfbd00f649d8218bdc39a249001b6cce9637ccaa3c79b1"},
		{500, 1, "b1cf4b2d0c27ace6229a94ce88626d81087f8bce9ad50345e753f39b734029b7"},
		{20000, 1, "df2fdc3558ac332dc5a3005ec40e040734c576b836272f7b2fb8b29bba219e43"},
		{5000, 3, "9884e442c497d21fb3163ad3a89092e3bcba2b2857424aeec062e416ecde57fc"},
		{3000, 7, "b0a069473e8a5e986b831ef7b539c9ab0ab72d7475b14f31aa0c0244a2d9eb9c"},
		{10000, 5, "859fb23a9a3a9eeae4d85c33dee335007528a1ad3dfe8e861573d10e4ecb1e7b"},
	} {
		if got := hashEntries(riskcloudtest.Generate(tt.n, tt.seed)); got != tt.hash {
			t.Errorf("Generate(%d, %d) hashes to %s, want %s", tt.n, tt.seed, got, tt.hash)
		}
	}
	end := time.Date(2030, 1, 2, 3, 4, 5, 6789012, time.UTC)
	if got, want := hashEntries(riskcloudtest.GenerateAt(2000, 9, end)), "a8f1fd1e52430901ee96a729e6c0553feef167aaa6f570e73d097084dee54314"; got != want {
		t.Errorf("GenerateAt hashes to %s, want %s", got, want)
	}
}

// TestServer_v1PagesGolden pins the v1 pages of a mixed log to the byte, as
// served before the server learned v2.
func TestServer_v1PagesGolden(t *testing.T) {
	t.Parallel()
	srv := newServer(t, riskcloudtest.WithMaxPageSize(300))
	srv.Add(riskcloudtest.Generate(700, 1)...)
	srv.AddFor("Bob@Example.com", riskcloudtest.Generate(90, 2)...)
	srv.Add(riskcloud.Entry{Type: "Weird", Timestamp: t0, Raw: []byte(`{"type":"Weird","extra":1}`)})
	h := sha256.New()
	for _, q := range []string{
		"/api/v1/access-audit/logins", "/api/v1/access-audit/logins?size=7&page=3",
		"/api/v1/access-audit/failures?size=1000", "/api/v1/access-audit/failures?email=bob@example.com",
		"/api/v1/access-audit?email=alice@example.com&size=50&page=2", "/api/v1/access-audit?email=BOB@example.com&page=1",
		"/api/v1/access-audit/logins?page=99",
	} {
		status, body, _ := get(t, srv, q)
		fmt.Fprintf(h, "%s %d %s\n", q, status, body)
	}
	entries := srv.Entries()
	io.WriteString(h, hashEntries(entries))
	if got, want := hex.EncodeToString(h.Sum(nil)), "21bc4e897dfd64a15a5823eb80479bd0a557ca778d0df0a9edd8cce09beb0121"; got != want {
		t.Errorf("v1 pages hash to %s, want %s (%d entries)", got, want, len(entries))
	}
}
