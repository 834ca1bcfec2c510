package riskcloud_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
)

// recordedAt is the instant of the newest entry of the testdata pages:
// 2026-11-01T12:00:00Z, epoch milliseconds 1793534400000.
var recordedAt = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// entryWithTimestamp is an entry whose timestamp field is the JSON value ts,
// or has no timestamp field when ts is "".
func entryWithTimestamp(ts string) string {
	if ts == "" {
		return `{"type":"Login","message":null,"remoteAddress":"203.0.113.7"}`
	}
	return `{"type":"Login","timestamp":` + ts + `,"message":null,"remoteAddress":"203.0.113.7"}`
}

// walkOne serves body as the only page of Logins and returns what All yields.
func walkOne(t *testing.T, body []byte) ([]riskcloud.Entry, error) {
	t.Helper()
	c := newTestClient(t, jsonPage(body))
	var (
		got []riskcloud.Entry
		err error
	)
	noPanic(t, "the walk", func() {
		got, err = collect(t, c.AccessAudit.Logins(nil).All(context.Background()))
	})
	return got, err
}

func TestEntry_UnmarshalJSON_timestamps(t *testing.T) {
	t.Parallel()
	epoch := time.Unix(0, 0).UTC()
	tests := []struct {
		name string
		json string // the timestamp's JSON value; "" leaves the field out
		want time.Time
	}{
		{"epoch millis", `1793534400000`, recordedAt},
		{"epoch millis with milliseconds", `1793534400123`, recordedAt.Add(123 * time.Millisecond)},
		{"epoch zero", `0`, epoch},
		{"negative epoch millis", `-100000001500`, epoch.Add(-100000001500 * time.Millisecond)},
		{"numeric string", `"1793534400000"`, recordedAt},
		{"negative numeric string", `"-100000001500"`, epoch.Add(-100000001500 * time.Millisecond)},
		{"exponent", `1.7935344e12`, recordedAt},
		{"exponent upper case with sign", `1.7935344E+12`, recordedAt},
		{"integer with exponent", `17935344e5`, recordedAt},
		{"float with zero fraction", `1793534400000.0`, recordedAt},
		{"float with sub-millisecond fraction", `1793534400000.5`, recordedAt.Add(500 * time.Microsecond)},
		{"exponent in a string", `"1.7935344e12"`, recordedAt},
		{"ISO with Z", `"2026-11-01T12:00:00Z"`, recordedAt},
		{"ISO with +01:00", `"2026-11-01T13:00:00+01:00"`, recordedAt},
		{"ISO with -05:30", `"2026-11-01T06:30:00-05:30"`, recordedAt},
		{"ISO with +0100", `"2026-11-01T13:00:00+0100"`, recordedAt},
		{"ISO with Jackson's +0000", `"2026-11-01T12:00:00.000+0000"`, recordedAt},
		{"ISO with +00:00", `"2026-11-01T12:00:00.000+00:00"`, recordedAt},
		{"ISO with +01", `"2026-11-01T13:00:00+01"`, recordedAt},
		{"fraction of 1 digit", `"2026-11-01T12:00:00.1Z"`, recordedAt.Add(100 * time.Millisecond)},
		{"fraction of 2 digits", `"2026-11-01T12:00:00.12Z"`, recordedAt.Add(120 * time.Millisecond)},
		{"fraction of 3 digits", `"2026-11-01T12:00:00.123Z"`, recordedAt.Add(123 * time.Millisecond)},
		{"fraction of 6 digits", `"2026-11-01T12:00:00.123456Z"`, recordedAt.Add(123456 * time.Microsecond)},
		{"fraction of 9 digits", `"2026-11-01T12:00:00.123456789Z"`, recordedAt.Add(123456789)},
		{"fraction of 9 digits with offset", `"2026-11-01T13:00:00.123456789+01:00"`, recordedAt.Add(123456789)},
		{"fraction with a comma", `"2026-11-01T12:00:00,5Z"`, recordedAt.Add(500 * time.Millisecond)},
		{"no zone is UTC", `"2026-11-01T12:00:00"`, recordedAt},
		{"no zone with fraction", `"2026-11-01T12:00:00.250"`, recordedAt.Add(250 * time.Millisecond)},
		{"space separator", `"2026-11-01 12:00:00"`, recordedAt},
		// Java's LocalDateTime and OffsetDateTime toString drop zero seconds.
		{"no seconds, no zone", `"2026-11-01T12:00"`, recordedAt},
		{"no seconds, Z", `"2026-11-01T12:00Z"`, recordedAt},
		{"no seconds, +01:00", `"2026-11-01T13:00+01:00"`, recordedAt},
		{"space separator with zone", `"2026-11-01 13:00:00.5+01:00"`, recordedAt.Add(500 * time.Millisecond)},
		{"lower-case t and z", `"2026-11-01t12:00:00z"`, recordedAt},
		{"leap day", `"2028-02-29T00:00:00Z"`, time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"null", `null`, time.Time{}},
		{"missing", ``, time.Time{}},
		{"empty string", `""`, time.Time{}},
	}
	check := func(t *testing.T, how string, got, want time.Time) {
		t.Helper()
		if !got.Equal(want) {
			t.Errorf("%s: Timestamp = %v, want %v", how, got, want)
		}
		if got.Location() != time.UTC {
			t.Errorf("%s: Timestamp.Location() = %v, want UTC", how, got.Location())
		}
		if want.IsZero() && !got.IsZero() {
			t.Errorf("%s: Timestamp = %v, want the zero time", how, got)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			obj := entryWithTimestamp(tt.json)

			var e riskcloud.Entry
			if err := json.Unmarshal([]byte(obj), &e); err != nil {
				t.Fatalf("Unmarshal(%s): %v", obj, err)
			}
			check(t, "Unmarshal", e.Timestamp, tt.want)

			got, err := walkOne(t, onePage(obj))
			if err != nil {
				t.Fatalf("walk: %v", err)
			}
			if len(got) != 1 {
				t.Fatalf("walk yielded %d entries, want 1", len(got))
			}
			check(t, "walk", got[0].Timestamp, tt.want)
			if string(got[0].Raw) != obj {
				t.Errorf("walk: Raw = %s, want %s", got[0].Raw, obj)
			}
		})
	}
}

func TestEntry_UnmarshalJSON_invalidTimestamp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		json  string
		value string // what the error must quote
	}{
		{"word", `"yesterday"`, `yesterday`},
		{"boolean", `true`, `true`},
		{"object", `{}`, `{}`},
		{"array", `[1793534400000]`, `[1793534400000]`},
		{"huge number", `1e300`, `1e300`},
		{"beyond int64", `99999999999999999999`, `99999999999999999999`},
		{"after year 9999", `253402300800000`, `253402300800000`},
		{"before year -9999", `-253402300800000`, `-253402300800000`},
		{"huge numeric string", `"1e300"`, `1e300`},
		{"month 13", `"2026-13-01T00:00:00Z"`, `2026-13-01T00:00:00Z`},
		{"February 30", `"2026-02-30T00:00:00Z"`, `2026-02-30T00:00:00Z`},
		{"hour 25", `"2026-11-01T25:00:00Z"`, `2026-11-01T25:00:00Z`},
		{"one-digit offset", `"2026-11-01T12:00:00+1"`, `2026-11-01T12:00:00+1`},
		{"trailing text", `"2026-11-01T12:00:00Zjunk"`, `2026-11-01T12:00:00Zjunk`},
		{"zone name", `"2026-11-01T12:00:00 CET"`, `2026-11-01T12:00:00 CET`},
		{"hexadecimal", `"0x1A"`, `0x1A`},
		{"Infinity", `"Infinity"`, `Infinity`},
		{"digit separators", `"1_793_534_400_000"`, `1_793_534_400_000`},
		// Upper-casing "ı" (2 bytes) gives "I" (1 byte): a parser that
		// upper-cases before indexing must not read past the end.
		{"dotless i", `"ıııııııııı"`, `ıııııııııı`},
		{"no minutes", `"2026-11-01T12Z"`, `2026-11-01T12Z`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			obj := entryWithTimestamp(tt.json)

			var e riskcloud.Entry
			var err error
			noPanic(t, "Unmarshal", func() { err = json.Unmarshal([]byte(obj), &e) })
			var tsErr *riskcloud.TimestampError
			switch {
			case err == nil:
				t.Errorf("Unmarshal(%s) = %v, nil; want an error", obj, e.Timestamp)
			case !strings.Contains(err.Error(), tt.value):
				t.Errorf("Unmarshal error %q does not name the value %s", err, tt.value)
			case !errors.As(err, &tsErr) || !strings.Contains(tsErr.Value, tt.value):
				t.Errorf("Unmarshal error %#v is not a *TimestampError with Value %s", err, tt.value)
			}

			got, err := walkOne(t, onePage(obj))
			if err == nil {
				t.Fatalf("walk yielded %d entries and no error", len(got))
			}
			if len(got) != 0 {
				t.Errorf("walk yielded %d entries before the error, want 0", len(got))
			}
			if !errors.Is(err, riskcloud.ErrUnexpectedResponse) {
				t.Errorf("walk error %v does not match ErrUnexpectedResponse", err)
			}
			if !strings.Contains(err.Error(), tt.value) {
				t.Errorf("walk error %q does not name the value %s", err, tt.value)
			}
			if apiErr := (*riskcloud.APIError)(nil); errors.As(err, &apiErr) {
				t.Errorf("walk error is an *APIError (%v); the response was a 200", err)
			}
		})
	}
}

func TestEntry_UnmarshalJSON_longInvalidTimestampIsShortened(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 10000)
	var e riskcloud.Entry
	err := json.Unmarshal([]byte(entryWithTimestamp(`"`+long+`"`)), &e)
	if err == nil {
		t.Fatal("no error")
	}
	if len(err.Error()) > 300 || !strings.Contains(err.Error(), "xxxxxxxx") {
		t.Errorf("error is %d bytes, want a short message that starts quoting the value: %.200q", len(err.Error()), err)
	}
}

func TestEntry_UnmarshalJSON_fields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		json string
		want riskcloud.Entry // without Raw, which must equal json
	}{
		{"login with null message", `{"type":"Login","timestamp":1793534400000,"message":null,"remoteAddress":"203.0.113.7"}`,
			riskcloud.Entry{Type: riskcloud.Login, Timestamp: recordedAt, RemoteAddress: "203.0.113.7"}},
		{"failure with message", `{"type":"LoginFail","timestamp":1793534400000,"message":"Bad credentials","remoteAddress":"2001:db8::1"}`,
			riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: recordedAt, Message: "Bad credentials", RemoteAddress: "2001:db8::1"}},
		{"unknown type kept as sent", `{"type":"SsoLogin","timestamp":1793534400000}`,
			riskcloud.Entry{Type: "SsoLogin", Timestamp: recordedAt}},
		{"type case kept as sent", `{"type":"login"}`,
			riskcloud.Entry{Type: "login"}},
		{"fields missing", `{}`, riskcloud.Entry{}},
		{"null fields", `{"type":null,"timestamp":null,"message":null,"remoteAddress":null}`, riskcloud.Entry{}},
		{"unknown fields", `{"type":"Login","id":7,"geo":{"country":"NL"},"tags":["a"],"remoteAddress":"10.0.0.1"}`,
			riskcloud.Entry{Type: riskcloud.Login, RemoteAddress: "10.0.0.1"}},
		{"escaped text", `{"type":"LoginFail","message":"User \"bob\" is locked \u2013 try later"}`,
			riskcloud.Entry{Type: riskcloud.LoginFail, Message: `User "bob" is locked – try later`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var e riskcloud.Entry
			if err := json.Unmarshal([]byte(tt.json), &e); err != nil {
				t.Fatal(err)
			}
			if e.Type != tt.want.Type || !e.Timestamp.Equal(tt.want.Timestamp) ||
				e.Message != tt.want.Message || e.RemoteAddress != tt.want.RemoteAddress {
				t.Errorf("got %+v\nwant %+v", e, tt.want)
			}
			if string(e.Raw) != tt.json {
				t.Errorf("Raw = %s, want %s", e.Raw, tt.json)
			}
		})
	}
}

func TestEntry_UnmarshalJSON_wrongFieldType(t *testing.T) {
	t.Parallel()
	for _, obj := range []string{
		`{"type":5}`,
		`{"message":{"text":"x"}}`,
		`{"remoteAddress":["10.0.0.1"]}`,
	} {
		var e riskcloud.Entry
		if err := json.Unmarshal([]byte(obj), &e); err == nil {
			t.Errorf("Unmarshal(%s) = %+v, nil; want an error", obj, e)
		}
	}
}

func TestEntry_UnmarshalJSON_rawIsAnExactCopy(t *testing.T) {
	t.Parallel()
	obj := "{ \"type\" : \"Login\",\n\t\"timestamp\": 1793534400000 ,\"message\":null,\n" +
		`"remoteAddress":"203.0.113.7","note":"caf\u00e9","geo":{"country":"NL","asn":[64496]},"extra":true}`
	buf := []byte("  " + obj + "\n")

	var e riskcloud.Entry
	if err := json.Unmarshal(buf, &e); err != nil {
		t.Fatal(err)
	}
	if string(e.Raw) != obj {
		t.Fatalf("Raw = %q\nwant %q", e.Raw, obj)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(e.Raw, &fields); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"note", "geo", "extra"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("Raw lost the unknown field %q", k)
		}
	}
	if string(fields["note"]) != `"caf\u00e9"` {
		t.Errorf("Raw re-encoded a string: note = %s", fields["note"])
	}

	// Raw is a copy: the caller may reuse the buffer it decoded from.
	for i := range buf {
		buf[i] = 'X'
	}
	if string(e.Raw) != obj {
		t.Errorf("Raw changed with the input buffer: %q", e.Raw)
	}
}

func TestEntry_UnmarshalJSON_decodesAfresh(t *testing.T) {
	t.Parallel()
	// Decoding into a used Entry leaves nothing of the old one behind.
	e := riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: recordedAt, Message: "old", RemoteAddress: "old", Raw: json.RawMessage(`{"old":1}`)}
	obj := `{"type":"Login"}`
	if err := json.Unmarshal([]byte(obj), &e); err != nil {
		t.Fatal(err)
	}
	if e.Type != riskcloud.Login || !e.Timestamp.IsZero() || e.Message != "" || e.RemoteAddress != "" || string(e.Raw) != obj {
		t.Errorf("got %+v, want only what %s says", e, obj)
	}
}

// TestPager_rawIsTheEntrysOwn checks what Entry.Raw promises for entries of
// a page, which share the page's buffer: writing to one entry's Raw in
// place changes no other entry, appending to it copies, and the walk goes
// on unaffected.
func TestPager_rawIsTheEntrysOwn(t *testing.T) {
	t.Parallel()
	objs := []string{
		`{"type":"Login","timestamp":1793534400000,"remoteAddress":"203.0.113.7"}`,
		`{"type":"Login","timestamp":1793534399000,"remoteAddress":"203.0.113.8"}`,
		`{"type":"LoginFail","timestamp":1793534398000,"message":"Bad credentials","remoteAddress":"203.0.113.9"}`,
	}
	body := []byte(`{"content":[` + strings.Join(objs, ",") + `],"number":0,"size":3,"totalElements":3,"totalPages":1,"last":true}`)
	c := newTestClient(t, jsonPage(body))

	var got []riskcloud.Entry
	for e, err := range c.AccessAudit.Logins(nil).All(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		if len(got) > 0 {
			// Scribble over the previous entry's Raw and grow it.
			prev := got[len(got)-1].Raw
			for i := range prev {
				prev[i] = 'X'
			}
			if grown := append(prev, ` trailing`...); &grown[0] == &prev[0] {
				t.Errorf("entry %d: appending to Raw wrote past it (cap %d, len %d)", len(got)-1, cap(prev), len(prev))
			}
		}
		if string(e.Raw) != objs[len(got)] {
			t.Errorf("entry %d: Raw = %s, want %s", len(got), e.Raw, objs[len(got)])
		}
		got = append(got, e)
	}
	if len(got) != len(objs) {
		t.Fatalf("walk yielded %d entries, want %d", len(got), len(objs))
	}
}

// recordedEntries are the three entries every testdata page_*.json with
// entries describes (see testdata/README.md).
var recordedEntries = []riskcloud.Entry{
	{Type: riskcloud.LoginFail, Timestamp: recordedAt, Message: "Bad credentials", RemoteAddress: "203.0.113.7"},
	{Type: riskcloud.Login, Timestamp: recordedAt.Add(-time.Second), RemoteAddress: "198.51.100.23"},
	{Type: riskcloud.Login, Timestamp: recordedAt.Add(-1500 * time.Millisecond), RemoteAddress: "2001:db8::1"},
}

// rawContent returns the exact bytes of each entry of a page, as
// encoding/json's RawMessage captures them.
func rawContent(t *testing.T, page []byte) []string {
	t.Helper()
	var p struct{ Content []json.RawMessage }
	if err := json.Unmarshal(page, &p); err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(p.Content))
	for i, r := range p.Content {
		out[i] = string(r)
	}
	return out
}

func TestPager_recordedPages(t *testing.T) {
	t.Parallel()
	for _, file := range []string{
		"page_epoch_millis.json",
		"page_epoch_string.json",
		"page_iso_zulu.json",
		"page_iso_offset.json",
		"page_iso_local.json",
	} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			body := readTestdata(t, file)
			raws := rawContent(t, body)
			h := jsonPage(body)
			c := newTestClient(t, h)

			got, err := collect(t, c.AccessAudit.Logins(nil).All(context.Background()))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(recordedEntries) {
				t.Fatalf("got %d entries, want %d", len(got), len(recordedEntries))
			}
			for i, e := range got {
				want := recordedEntries[i]
				if e.Type != want.Type || !e.Timestamp.Equal(want.Timestamp) || e.Message != want.Message ||
					e.RemoteAddress != want.RemoteAddress {
					t.Errorf("entry %d = %+v\nwant %+v", i, e, want)
				}
				if e.Timestamp.Location() != time.UTC {
					t.Errorf("entry %d: Timestamp.Location() = %v, want UTC", i, e.Timestamp.Location())
				}
				if string(e.Raw) != raws[i] {
					t.Errorf("entry %d: Raw = %s\nwant %s", i, e.Raw, raws[i])
				}
			}
			if n := len(h.requests()); n != 1 {
				t.Errorf("requests = %d, want 1 (the page says last)", n)
			}

			page, err := c.AccessAudit.Logins(nil).Page(context.Background(), 0)
			if err != nil {
				t.Fatal(err)
			}
			want := riskcloud.Page[riskcloud.Entry]{Number: 0, Size: 20, TotalElements: 3, TotalPages: 1,
				First: true, Last: true, NumberOfElements: 3}
			if page.Content = nil; !reflect.DeepEqual(*page, want) {
				t.Errorf("page meta = %+v, want %+v", *page, want)
			}
		})
	}
}

func TestPager_unknownFieldsKept(t *testing.T) {
	t.Parallel()
	body := readTestdata(t, "page_unknown_fields.json")
	raws := rawContent(t, body)
	c := newTestClient(t, jsonPage(body))

	got, err := collect(t, c.AccessAudit.Logins(nil).All(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d entries, want 2", len(got))
	}
	if got[0].Type != "SsoLogin" || got[1].Type != "" {
		t.Errorf("types = %q, %q; want the unknown type as sent and an empty one", got[0].Type, got[1].Type)
	}
	if !got[0].Timestamp.Equal(recordedAt) || !got[1].Timestamp.Equal(recordedAt.Add(-time.Second)) {
		t.Errorf("timestamps = %v, %v", got[0].Timestamp, got[1].Timestamp)
	}
	for i, e := range got {
		if string(e.Raw) != raws[i] {
			t.Errorf("entry %d: Raw = %s\nwant %s", i, e.Raw, raws[i])
		}
	}
	if !bytes.Contains(got[0].Raw, []byte(`"geo": {"country": "NL", "asn": [64496, 64511]}`)) {
		t.Errorf("Raw lost the nested unknown field: %s", got[0].Raw)
	}
}

func TestPager_emptyPagesEndTheWalk(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"page_content_null.json", "page_empty.json"} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			h := jsonPage(readTestdata(t, file))
			c := newTestClient(t, h)
			p := c.AccessAudit.Failures(nil)

			got, err := collect(t, p.All(context.Background()))
			if err != nil || len(got) != 0 {
				t.Errorf("All: %d entries, err %v; want none and no error", len(got), err)
			}
			for page, err := range p.Pages(context.Background()) {
				t.Errorf("Pages yielded %+v, %v; want nothing", page, err)
			}
			page, err := p.Page(context.Background(), 0)
			if err != nil || len(page.Content) != 0 || !page.Last {
				t.Errorf("Page(0) = %+v, %v; want an empty last page", page, err)
			}
			if n := len(h.requests()); n != 3 {
				t.Errorf("requests = %d, want 3 (one per call)", n)
			}
		})
	}
}

func TestPager_nullEntryIsAnError(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, jsonPage(readTestdata(t, "page_null_entry.json")))
	p := c.AccessAudit.Logins(nil)

	got, err := collect(t, p.All(context.Background()))
	if !errors.Is(err, riskcloud.ErrUnexpectedResponse) {
		t.Errorf("All: err = %v, want ErrUnexpectedResponse", err)
	}
	if len(got) != 0 {
		t.Errorf("All yielded %d entries of a page it could not read", len(got))
	}
	if _, err := p.Page(context.Background(), 0); !errors.Is(err, riskcloud.ErrUnexpectedResponse) {
		t.Errorf("Page: err = %v, want ErrUnexpectedResponse", err)
	}
}

func TestPager_badTimestampNamesTheValue(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, jsonPage(readTestdata(t, "page_bad_timestamp.json")))
	_, err := collect(t, c.AccessAudit.Logins(nil).All(context.Background()))
	if !errors.Is(err, riskcloud.ErrUnexpectedResponse) {
		t.Fatalf("err = %v, want ErrUnexpectedResponse", err)
	}
	var tsErr *riskcloud.TimestampError
	if !errors.As(err, &tsErr) || tsErr.Value != `"yesterday"` {
		t.Errorf("err = %v, want a *TimestampError with Value \"yesterday\"", err)
	}
	for _, want := range []string{"riskcloud: GET /proxy/api/v1/access-audit/logins: ", "yesterday"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err = %q, want it to contain %q", err, want)
		}
	}
}

// FuzzEntry_UnmarshalJSON_timestamp checks that no timestamp, as a string
// or as a bare JSON value, makes decoding panic, and that every timestamp
// decoded is UTC and every Raw the exact input (and, in
// checkTimestampDecode, that errors have the right types, decoding is
// deterministic, and decoded times survive a round trip).
func FuzzEntry_UnmarshalJSON_timestamp(f *testing.F) {
	for _, s := range []string{
		"1793534400000", "-1500", "1.7935344e12", "2026-11-01T12:00:00Z", "2026-11-01T13:00:00+01:00",
		"2026-11-01T12:00:00.000+0000", "2026-11-01t12:00:00.123456789z", "2026-11-01 12:00:00",
		"2026-11-01T12:00:00", "", "null", "true", "{}", "1e300", "2026-13-01T00:00:00Z", "yesterday",
		"2026-11-01T12:00", "ıııııııııı", "2026-11-01 12:00:00ı",
		"1793534400", "99999999999", "100000000000", "-99999999999.999999999", "1793534400.123456789",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		str, _ := json.Marshal(s)
		inputs := []string{string(str)}
		if json.Valid([]byte(s)) {
			inputs = append(inputs, s)
		}
		for _, ts := range inputs {
			obj := `{"timestamp":` + ts + `}`
			var e riskcloud.Entry
			var err error
			noPanic(t, "Unmarshal("+obj+")", func() { err = json.Unmarshal([]byte(obj), &e) })
			noPanic(t, "checks of "+obj, func() { checkTimestampDecode(t, obj, e, err) })
			if err != nil {
				continue
			}
			if e.Timestamp.Location() != time.UTC {
				t.Errorf("Unmarshal(%s): Timestamp %v is not UTC", obj, e.Timestamp)
			}
			if string(e.Raw) != obj {
				t.Errorf("Unmarshal(%s): Raw = %s", obj, e.Raw)
			}
		}
	})
}

// TestEntry_UnmarshalJSON_epochSeconds: a number below 1e11 in magnitude
// cannot be the epoch milliseconds of a login (1e11 ms is 1973-03-03), so
// it is read as epoch seconds (1e11 s is in the year 5138); from 1e11 on,
// milliseconds. The same holds for numeric strings, fractions and
// exponents, in Unmarshal and in a page.
func TestEntry_UnmarshalJSON_epochSeconds(t *testing.T) {
	t.Parallel()
	epoch := time.Unix(0, 0).UTC()
	tests := []struct {
		name string
		json string
		want time.Time
	}{
		{"seconds", `1793534400`, recordedAt},
		{"seconds as a string", `"1793534400"`, recordedAt},
		{"seconds with a fraction", `1793534400.25`, recordedAt.Add(250 * time.Millisecond)},
		{"seconds with microseconds", `1793534400.123456`, recordedAt.Add(123456 * time.Microsecond)},
		{"seconds with nanoseconds", `"1793534400.123456789"`, recordedAt.Add(123456789)},
		{"seconds with an exponent", `1.7935344e9`, recordedAt},
		{"largest seconds", `99999999999`, time.Unix(99999999999, 0).UTC()},
		{"largest seconds as a string", `"99999999999"`, time.Unix(99999999999, 0).UTC()},
		{"largest seconds with a fraction", `99999999999.5`, time.Unix(99999999999, 5e8).UTC()},
		{"smallest milliseconds", `100000000000`, time.UnixMilli(100000000000).UTC()},
		{"smallest milliseconds as a string", `"100000000000"`, time.UnixMilli(100000000000).UTC()},
		{"smallest milliseconds with an exponent", `1e11`, time.UnixMilli(100000000000).UTC()},
		{"zero", `0`, epoch},
		{"negative seconds", `-1500`, epoch.Add(-1500 * time.Second)},
		{"negative seconds with a fraction", `-1.5`, epoch.Add(-1500 * time.Millisecond)},
		{"largest negative seconds", `-99999999999`, time.Unix(-99999999999, 0).UTC()},
		{"smallest negative milliseconds", `-100000000000`, time.UnixMilli(-100000000000).UTC()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			obj := entryWithTimestamp(tt.json)
			var e riskcloud.Entry
			if err := json.Unmarshal([]byte(obj), &e); err != nil {
				t.Fatalf("Unmarshal(%s): %v", obj, err)
			}
			if !e.Timestamp.Equal(tt.want) || e.Timestamp.Location() != time.UTC {
				t.Errorf("Unmarshal(%s): Timestamp = %v, want %v", tt.json, e.Timestamp, tt.want)
			}
			got, err := walkOne(t, onePage(obj))
			if err != nil || len(got) != 1 {
				t.Fatalf("walk: %d entries, err %v; want 1", len(got), err)
			}
			if !got[0].Timestamp.Equal(tt.want) {
				t.Errorf("walk of %s: Timestamp = %v, want %v", tt.json, got[0].Timestamp, tt.want)
			}
		})
	}
}

// TestPager_All_sinceWithEpochSeconds: a server that sends epoch seconds
// must not make a walk with Since end silently at its first entry.
func TestPager_All_sinceWithEpochSeconds(t *testing.T) {
	t.Parallel()
	var es []string
	for i := range 5 {
		es = append(es, entryWithTimestamp(strconv.FormatInt(recordedAt.Add(-time.Duration(i)*time.Hour).Unix(), 10)))
	}
	c := newTestClient(t, jsonPage(onePage(es...)))
	got, err := collect(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Since: recordedAt.Add(-150 * time.Minute)}).All(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Errorf("the walk yielded %d entries, want the 3 at or after Since", len(got))
	}
}
