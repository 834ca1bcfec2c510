package main

import (
	"bytes"
	"testing"
	"time"
)

func TestProgress(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	start := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	now := start
	p := newProgress(&out, func() time.Time { return now })

	p.update(500, 12000) // the first draw is immediate
	now = now.Add(50 * time.Millisecond)
	p.update(1000, 12000) // too soon
	now = now.Add(50 * time.Millisecond)
	p.update(1500, 12500) // 100 ms since the first draw
	now = now.Add(time.Second)
	p.update(9, 12) // a shorter line covers the longer one's tail
	p.clear()
	p.clear() // nothing shown: nothing to do

	want := "\r500 / 12000 entries" +
		"\r1500 / 12500 entries" +
		"\r9 / 12 entries      " +
		"\r              \r"
	if out.String() != want {
		t.Errorf("got  %q\nwant %q", out.String(), want)
	}
}

func TestProgress_totalNeverBelowCount(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	p := newProgress(&out, time.Now)
	p.update(30, 0) // a server that sent no totalElements
	if got, want := out.String(), "\r30 / 30 entries"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestProgress_nil(t *testing.T) {
	t.Parallel()
	var p *progress
	p.update(1, 2)
	p.clear()
}
