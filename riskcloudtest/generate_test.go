package riskcloudtest_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

func TestGenerate_deterministic(t *testing.T) {
	t.Parallel()
	a, b := riskcloudtest.Generate(3000, 7), riskcloudtest.Generate(3000, 7)
	if !reflect.DeepEqual(a, b) {
		t.Error("same n and seed gave different entries")
	}
	if c := riskcloudtest.Generate(3000, 8); reflect.DeepEqual(a, c) {
		t.Error("seeds 7 and 8 gave the same entries")
	}
	if len(riskcloudtest.Generate(0, 1)) != 0 || len(riskcloudtest.Generate(-1, 1)) != 0 {
		t.Error("n ≤ 0 should give no entries")
	}
}

func TestGenerate_realistic(t *testing.T) {
	t.Parallel()
	es := riskcloudtest.Generate(20000, 1)
	if len(es) != 20000 {
		t.Fatalf("len = %d", len(es))
	}
	if want := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC); !es[0].Timestamp.Equal(want) {
		t.Errorf("newest at %v, want %v", es[0].Timestamp, want)
	}
	var failures, bursts int
	addrs := map[string]bool{}
	reasons := map[string]bool{}
	for i, e := range es {
		if e.Timestamp.Location() != time.UTC || e.Timestamp.Nanosecond()%int(time.Millisecond) != 0 {
			t.Fatalf("entry %d: %v is not UTC milliseconds", i, e.Timestamp)
		}
		if i > 0 && e.Timestamp.After(es[i-1].Timestamp) {
			t.Fatalf("entry %d is newer than the one before", i)
		}
		addrs[e.RemoteAddress] = true
		switch e.Type {
		case riskcloud.LoginFail:
			failures++
			reasons[e.Message] = true
			// A burst: five failures from one address within ten seconds.
			if i >= 4 && es[i-4].RemoteAddress == e.RemoteAddress && es[i-4].Timestamp.Sub(e.Timestamp) < 10*time.Second {
				bursts++
			}
		case riskcloud.Login:
			if e.Message != "" {
				t.Fatalf("entry %d: a login with message %q", i, e.Message)
			}
		default:
			t.Fatalf("entry %d: type %q", i, e.Type)
		}
		var back riskcloud.Entry
		if err := json.Unmarshal(e.Raw, &back); err != nil || !reflect.DeepEqual(back, e) {
			t.Fatalf("entry %d: Raw %s decodes to %+v, %v", i, e.Raw, back, err)
		}
	}
	if share := float64(failures) / float64(len(es)); share < 0.05 || share > 0.4 {
		t.Errorf("failures are %.0f%% of entries", share*100)
	}
	if bursts == 0 || len(addrs) < 30 || len(reasons) < 3 {
		t.Errorf("bursts %d, addresses %d, reasons %d: want some of each", bursts, len(addrs), len(reasons))
	}
	span := es[0].Timestamp.Sub(es[len(es)-1].Timestamp)
	if span < 24*time.Hour || span > 60*24*time.Hour {
		t.Errorf("20,000 entries span %v", span)
	}
}

func TestGenerateAt_endsAtEnd(t *testing.T) {
	t.Parallel()
	end := time.Date(2030, 1, 2, 3, 4, 5, 6789012, time.FixedZone("X", 3600))
	es := riskcloudtest.GenerateAt(10, 1, end)
	if want := end.UTC().Truncate(time.Millisecond); !es[0].Timestamp.Equal(want) || es[0].Timestamp.Location() != time.UTC {
		t.Errorf("newest at %v, want %v", es[0].Timestamp, want)
	}
}
