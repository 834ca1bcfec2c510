package riskcloud

// This file is an internal test, unlike most of the package's: it compares
// the unexported one-pass decoder with an oracle built on encoding/json,
// input by input, which no test through the public API can do as
// closely (a walk hides the page meta and stops at the first error). It
// holds only that comparison (the oracle, a table, a fuzz target), an
// allocation check and the decoder's micro benchmark.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
	"unsafe"
)

// The oracle: encoding/json reads the page value by value, matching keys
// exactly (a Decoder's tokens give each key; each value is decoded with
// Unmarshal into the type of its field). It shares only parseTimestamp
// with the decoder. Below it, the two-pass decoder the one-pass decoder
// replaced, kept for the benchmark.

// oracleEntry is an Entry as the oracle decodes it.
type oracleEntry Entry

func (e *oracleEntry) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	var (
		typ                    EntryType
		ts                     json.RawMessage
		message, remoteAddress *string
	)
	err := oracleObject(data, func(key string, value json.RawMessage) error {
		switch key {
		case "type":
			return json.Unmarshal(value, &typ) // null leaves typ as it was
		case "timestamp":
			ts = value
		case "message":
			return json.Unmarshal(value, &message)
		case "remoteAddress":
			return json.Unmarshal(value, &remoteAddress)
		}
		return nil
	})
	if err != nil {
		return err
	}
	t, err := parseTimestamp(ts)
	if err != nil {
		return err
	}
	*e = oracleEntry{Type: typ, Timestamp: t, Raw: bytes.Clone(data)}
	if message != nil {
		e.Message = *message
	}
	if remoteAddress != nil {
		e.RemoteAddress = *remoteAddress
	}
	return nil
}

// oracleObject calls member with each key and value of the JSON object
// data, in order; data must be valid JSON, and anything but an object is
// an error.
func oracleObject(data []byte, member func(key string, value json.RawMessage) error) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("%.20q is not an object", data)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return err
		}
		if err := member(tok.(string), value); err != nil {
			return err
		}
	}
	return nil
}

// oracleDecodeEntryPage reads body as decodeEntryPage must: a page
// object, a bare array or null; every value of a meta integer (even one a
// later key replaces) non-negative; every content array (even one a later
// key replaces) of at most maxEntries elements, none null, the last one
// read afresh; and no more entries kept than a size above 0 the page
// states.
func oracleDecodeEntryPage(body []byte, maxEntries int) (*Page[Entry], pageMeta, error) {
	if !json.Valid(body) {
		return nil, pageMeta{}, errors.New("invalid JSON")
	}
	page := new(Page[Entry])
	var meta pageMeta
	var err error
	switch bytes.TrimLeft(body, " \t\r\n")[0] {
	case 'n':
	case '[':
		page.Content, err = oracleContent(body, maxEntries)
	case '{':
		err = oracleObject(body, func(key string, value json.RawMessage) error {
			return oraclePageMember(page, &meta, key, value, maxEntries)
		})
	default:
		err = errors.New("not a page")
	}
	if err == nil && meta.size && page.Size > 0 && len(page.Content) > page.Size {
		err = fmt.Errorf("content holds %d entries, more than its own size of %d", len(page.Content), page.Size)
	}
	if err != nil {
		return nil, pageMeta{}, err
	}
	return page, meta, nil
}

// oraclePageMember reads one member of a page object into page and meta.
func oraclePageMember(page *Page[Entry], meta *pageMeta, key string, value json.RawMessage, maxEntries int) error {
	var err error
	var b *bool
	switch key {
	case "content":
		page.Content, err = oracleContent(value, maxEntries)
	case "number":
		page.Number, meta.number, err = oracleCount[int](key, value)
	case "size":
		page.Size, meta.size, err = oracleCount[int](key, value)
	case "totalElements":
		page.TotalElements, meta.totalElements, err = oracleCount[int64](key, value)
	case "totalPages":
		page.TotalPages, meta.totalPages, err = oracleCount[int](key, value)
	case "numberOfElements":
		page.NumberOfElements, _, err = oracleCount[int](key, value)
	case "first":
		err = json.Unmarshal(value, &b)
		page.First = b != nil && *b
	case "last":
		err = json.Unmarshal(value, &b)
		page.Last, meta.last = b != nil && *b, b != nil
	}
	return err
}

// oracleCount reads a non-negative integer, or null (present false).
func oracleCount[N int | int64](key string, value json.RawMessage) (n N, present bool, err error) {
	var p *N
	if err := json.Unmarshal(value, &p); err != nil || p == nil {
		return 0, false, err
	}
	if *p < 0 {
		return 0, false, fmt.Errorf("%q is %s", key, value)
	}
	return *p, true, nil
}

// oracleContent reads a content array of at most maxEntries entries, or
// null (nil).
func oracleContent(value json.RawMessage, maxEntries int) ([]Entry, error) {
	var elems []json.RawMessage
	if err := json.Unmarshal(value, &elems); err != nil || elems == nil {
		return nil, err
	}
	if len(elems) > maxEntries {
		return nil, fmt.Errorf("content holds more than %d entries", maxEntries)
	}
	out := make([]Entry, len(elems))
	for i, elem := range elems {
		if string(elem) == "null" {
			return nil, fmt.Errorf("entry %d is null", i)
		}
		var e oracleEntry
		if err := json.Unmarshal(elem, &e); err != nil {
			return nil, err
		}
		out[i] = Entry(e)
	}
	return out, nil
}

// twoPassEntry is an Entry decoded by the two-pass design's
// Entry.UnmarshalJSON.
type twoPassEntry Entry

func (e *twoPassEntry) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	var w struct {
		Type          EntryType       `json:"type"`
		Timestamp     json.RawMessage `json:"timestamp"`
		Message       *string         `json:"message"`
		RemoteAddress *string         `json:"remoteAddress"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	ts, err := parseTimestamp(w.Timestamp)
	if err != nil {
		return err
	}
	*e = twoPassEntry{
		Type:      w.Type,
		Timestamp: ts,
		Raw:       append(json.RawMessage(nil), data...),
	}
	if w.Message != nil {
		e.Message = *w.Message
	}
	if w.RemoteAddress != nil {
		e.RemoteAddress = *w.RemoteAddress
	}
	return nil
}

// twoPassPageJSON is a Spring page on the wire. Pointers tell a missing
// field from a zero one.
type twoPassPageJSON struct {
	Content          []twoPassEntry `json:"content"`
	Number           *int           `json:"number"`
	Size             *int           `json:"size"`
	TotalElements    *int64         `json:"totalElements"`
	TotalPages       *int           `json:"totalPages"`
	First            *bool          `json:"first"`
	Last             *bool          `json:"last"`
	NumberOfElements *int           `json:"numberOfElements"`
}

// twoPassDecodePage is the two-pass design's decodePage: encoding/json
// reads the page, and each entry a second time to keep its bytes.
func twoPassDecodePage(body []byte) (*Page[twoPassEntry], error) {
	var w twoPassPageJSON
	var err error
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '[' {
		err = json.Unmarshal(body, &w.Content)
	} else {
		err = json.Unmarshal(body, &w)
	}
	if err != nil {
		return nil, err
	}
	for i := range w.Content {
		if w.Content[i].Raw == nil {
			return nil, fmt.Errorf("entry %d is null", i)
		}
	}
	page := &Page[twoPassEntry]{Content: w.Content}
	for _, f := range []struct {
		dst *int
		src *int
	}{{&page.Number, w.Number}, {&page.Size, w.Size}, {&page.TotalPages, w.TotalPages}, {&page.NumberOfElements, w.NumberOfElements}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if w.TotalElements != nil {
		page.TotalElements = *w.TotalElements
	}
	page.First = w.First != nil && *w.First
	page.Last = w.Last != nil && *w.Last
	return page, nil
}

// maxDecodeErrorLen bounds a decode error's text: it names a field, an
// entry, an offset and at most a short value, never a stretch of the body.
const maxDecodeErrorLen = 256

// compareWithOracle decodes body with decodeEntryPage and with the oracle,
// both allowing maxEntries entries, and as one Entry with
// Entry.UnmarshalJSON and the oracle's, and reports any difference: one
// failing and not the other, or different pages, meta or entries (Raw
// included). It also checks what the oracle cannot: every Raw is a capped
// sub-slice of the body, the content's capacity is within maxEntries, and
// error texts are short UTF-8.
func compareWithOracle(t *testing.T, body []byte, maxEntries int) {
	t.Helper()
	buf := bytes.Clone(body) // the decoder may not write to it; check below
	got, gotMeta, gotErr := decodeEntryPage(buf, maxEntries)
	want, wantMeta, wantErr := oracleDecodeEntryPage(body, maxEntries)
	switch {
	case gotErr != nil && wantErr == nil:
		t.Errorf("decodeEntryPage(%s) failed: %v\nencoding/json read %d entries", clipBody(body), gotErr, len(want.Content))
	case gotErr == nil && wantErr != nil:
		t.Errorf("decodeEntryPage(%s) read %d entries\nencoding/json failed: %v", clipBody(body), len(got.Content), wantErr)
	case gotErr != nil:
		if msg := gotErr.Error(); len(msg) > maxDecodeErrorLen || !utf8.ValidString(msg) {
			t.Errorf("decodeEntryPage(%s): error text of %d bytes, want at most %d of UTF-8: %q",
				clipBody(body), len(msg), maxDecodeErrorLen, msg)
		}
	default:
		if !reflect.DeepEqual(got, want) {
			t.Errorf("decodeEntryPage(%s) =\n%+v\nencoding/json:\n%+v", clipBody(body), got, want)
		}
		if gotMeta != wantMeta {
			t.Errorf("decodeEntryPage(%s): meta %+v, encoding/json %+v", clipBody(body), gotMeta, wantMeta)
		}
		checkRawInBody(t, got.Content, buf)
		if cap(got.Content) > maxEntries {
			t.Errorf("decodeEntryPage(%s): content has capacity %d, past the %d entries allowed", clipBody(body), cap(got.Content), maxEntries)
		}
	}
	if !bytes.Equal(buf, body) {
		t.Errorf("decodeEntryPage(%s) wrote to its input", clipBody(body))
	}

	var e Entry
	var o oracleEntry
	gotErr, wantErr = json.Unmarshal(body, &e), json.Unmarshal(body, &o)
	switch {
	case (gotErr == nil) != (wantErr == nil):
		t.Errorf("Unmarshal(%s) into Entry: %v; the oracle: %v", clipBody(body), gotErr, wantErr)
	case gotErr == nil && !reflect.DeepEqual(e, Entry(o)):
		t.Errorf("Unmarshal(%s) into Entry = %+v\nthe oracle: %+v", clipBody(body), e, Entry(o))
	}
}

// checkRawInBody checks that each entry's Raw is a sub-slice of body with
// its capacity capped, and that the entries' bytes are in order and do not
// overlap: so an append copies, and writing to one Raw changes no other.
func checkRawInBody(t *testing.T, es []Entry, body []byte) {
	t.Helper()
	base := uintptr(unsafe.Pointer(unsafe.SliceData(body)))
	next := uintptr(0)
	for i, e := range es {
		if len(e.Raw) == 0 || cap(e.Raw) != len(e.Raw) {
			t.Errorf("entry %d: Raw has len %d, cap %d; want a non-empty capped slice", i, len(e.Raw), cap(e.Raw))
			continue
		}
		off := uintptr(unsafe.Pointer(unsafe.SliceData(e.Raw))) - base
		if off >= uintptr(len(body)) || off+uintptr(len(e.Raw)) > uintptr(len(body)) {
			t.Errorf("entry %d: Raw is not a sub-slice of the body", i)
			continue
		}
		if off < next {
			t.Errorf("entry %d: Raw at offset %d overlaps the entry before it", i, off)
		}
		next = off + uintptr(len(e.Raw))
	}
}

func clipBody(b []byte) string {
	if len(b) > 300 {
		return fmt.Sprintf("%q… (%d bytes)", b[:300], len(b))
	}
	return fmt.Sprintf("%q", b)
}

// testdataBodies returns every JSON file under testdata/, by path.
func testdataBodies(tb testing.TB) map[string][]byte {
	tb.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".json" {
			return err
		}
		out[path], err = os.ReadFile(path)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	if len(out) == 0 {
		tb.Fatal("no JSON files under testdata/")
	}
	return out
}

// nest returns n nested arrays.
func nest(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

// trickyBodies are inputs chosen to tell a decoder from encoding/json.
var trickyBodies = []struct{ name, body string }{
	// shapes
	{"empty body", ``},
	{"only space", " \t\r\n"},
	{"null", `null`},
	{"null in space", " \n null \t"},
	{"bare array", `[{"type":"Login","timestamp":1793534400000}]`},
	{"bare empty array", `[]`},
	{"bare array of null", `[null]`},
	{"bare array, entry then null", `[{}, null]`},
	{"bare array, trailing comma", `[{},]`},
	{"empty object", `{}`},
	{"riskcloudtest shape", `{"content":[{"type":"Login","timestamp":1761998400000,"message":null,"remoteAddress":"10.1.2.3"}],"pageable":{"sort":{"empty":false,"sorted":true,"unsorted":false},"offset":0,"pageNumber":0,"pageSize":500,"paged":true,"unpaged":false},"last":true,"totalPages":1,"totalElements":1,"size":500,"number":0,"sort":{"empty":false,"sorted":true,"unsorted":false},"first":true,"numberOfElements":1,"empty":false}`},
	{"top-level string", `"content"`},
	{"top-level number", `5`},
	{"top-level true", `true`},
	{"top-level false", `false`},
	{"byte order mark", "\xef\xbb\xbf{}"},
	{"unclosed object", `{"content":[]`},
	{"unclosed array", `[{}`},
	{"unclosed string", `{"content`},
	{"unclosed entry", `{"content":[{"type":"Login"`},

	// content and entries
	{"content null", `{"content":null,"number":0}`},
	{"content empty", `{"content":[]}`},
	{"content a string", `{"content":"[]"}`},
	{"content an object", `{"content":{}}`},
	{"content a number", `{"content":0}`},
	{"content true", `{"content":true}`},
	{"null entry", `{"content":[{},null,{}]}`},
	{"entry an array", `{"content":[[]]}`},
	{"entry a string", `{"content":["{}"]}`},
	{"entry a number", `{"content":[1]}`},
	{"entry false", `{"content":[false]}`},
	{"entry null misspelt", `{"content":[nul]}`},
	{"entries with space", "{\"content\" :\n[ {} ,\t{ \"type\" : \"Login\" } ,{\r\n}\n] }"},
	{"entry fields null", `[{"type":null,"timestamp":null,"message":null,"remoteAddress":null}]`},
	{"entry type a number", `[{"type":5}]`},
	{"entry type true", `[{"type":true}]`},
	{"entry message an object", `[{"message":{"text":"x"}}]`},
	{"entry message a number", `[{"message":0}]`},
	{"entry remoteAddress an array", `[{"remoteAddress":["10.0.0.1"]}]`},
	{"entry remoteAddress false", `[{"remoteAddress":false}]`},
	{"unknown entry type", `[{"type":"SsoLogin"}]`},
	{"type LoginFail", `[{"type":"LoginFail","message":"Bad credentials"}]`},
	{"type prefix of Login", `[{"type":"Log"},{"type":"LoginFailed"},{"type":""}]`},
	{"nested unknown fields", `[{"geo":{"country":"NL","asn":[64496,{"a":[[],{}]}]},"tags":[],"id":7,"mfa":true,"x":null,"y":-1.5e-3}]`},
	{"unknown page fields", `{"pageable":"INSTANCE","sort":[],"empty":true,"links":[{"rel":"self","href":"/x"}],"content":[]}`},

	// timestamps
	{"timestamp forms", `[{"timestamp":1793534400000},{"timestamp":"1793534400000"},{"timestamp":1.7935344e12},{"timestamp":"2026-11-01T12:00:00Z"},{"timestamp":"2026-11-01T13:00:00+01:00"},{"timestamp":""},{"timestamp":"2026-11-01 12:00:00"}]`},
	{"timestamp escaped", `[{"timestamp":"2026-11-01T12:00:00\u005a"},{"timestamp":"\u0031793534400000"}]`},
	{"timestamp with spaces inside the string", `[{"timestamp":" 1793534400000 "},{"timestamp":"\u00a01793534400000"},{"timestamp":"\t1793534400000"}]`},
	{"timestamp invalid", `[{"timestamp":"yesterday"}]`},
	{"timestamp an object", `[{"timestamp":{}}]`},
	{"timestamp an array", `[{"timestamp":[1793534400000]}]`},
	{"timestamp true", `[{"timestamp":true}]`},
	{"timestamp huge", `[{"timestamp":1e300}]`},
	{"timestamp -0", `[{"timestamp":-0}]`},
	{"timestamp invalid UTF-8", "[{\"timestamp\":\"2026-11-01T12:00:00Z\xff\"}]"},
	{"timestamp invalid number", `[{"timestamp":01}]`},

	// strings
	{"escapes", `[{"type":"Lo\u0067in","message":"a\"b\\c\/d\b\f\n\r\t","remoteAddress":"\u00e9\u00E9"}]`},
	{"escaped type LoginFail", `[{"type":"\u004coginFail"}]`},
	{"surrogate pair", `[{"message":"\ud83d\ude00"}]`},
	{"lone high surrogate", `[{"message":"\ud83d"}]`},
	{"lone low surrogate", `[{"message":"\ude00x"}]`},
	{"high surrogate then a letter", `[{"message":"\ud83d\u0041"}]`},
	{"two high surrogates", `[{"message":"\ud83d\ud83d\ude00"}]`},
	{"invalid UTF-8 byte", "[{\"message\":\"a\xffb\",\"remoteAddress\":\"\xfe\",\"type\":\"Login\xff\"}]"},
	{"truncated UTF-8", "[{\"message\":\"\xc3\"}]"},
	{"overlong UTF-8", "[{\"message\":\"\xc0\xaf\"}]"},
	{"UTF-8 surrogate", "[{\"message\":\"\xed\xa0\x80\"}]"},
	{"UTF-8 non-ASCII", `[{"message":"café ☕ 😀","remoteAddress":"ünïcödé"}]`},
	{"escape and invalid UTF-8", "[{\"message\":\"\\n\xff\"}]"},
	{"raw control character", "[{\"message\":\"a\x01b\"}]"},
	{"raw tab", "[{\"message\":\"a\tb\"}]"},
	{"raw newline in skipped string", "[{\"x\":\"a\nb\"}]"},
	{"raw DEL", "[{\"message\":\"a\x7fb\"}]"},
	{"invalid escape", `[{"message":"\x41"}]`},
	{"escaped single quote", `[{"message":"\'"}]`},
	{"short unicode escape", `[{"message":"\u12"}]`},
	{"bad hex in escape", `[{"message":"\u12G4"}]`},
	{"backslash at end", `[{"message":"\`},
	{"invalid escape in skipped string", `{"sort":"\q"}`},
	{"escaped single quote in skipped string", `{"sort":"\'"}`},
	{"raw unit separator in skipped string", "{\"sort\":\"\x1f\"}"},
	{"raw unit separator in a key", "{\"\x1f\":1}"},
	{"short unicode escape in skipped string", `{"sort":"\u00e"}`},
	{"unicode escape in skipped string", `{"sort":"\u00e9\uD83D\uDE00\/"}`},

	// keys
	{"case-folded keys", `{"Content":[{"TYPE":"Login","TimeStamp":1793534400000,"MESSAGE":"m","remoteaddress":"a"}],"NUMBER":1,"Size":2,"TOTALELEMENTS":3,"totalpages":4,"First":true,"LAST":true,"NumberOfElements":1}`},
	{"long s folds to s", `{"ſize":7,"laſt":true,"content":[{"meſſage":"m","timeſtamp":0}]}`},
	{"near-miss page keys", `{"content ":[{}],"contents":[{}],"Content":[{}],"content":[],"SIZE":-1,"size ":-1}`},
	{"near-miss entry keys", `[{"type ":"x","Type":"y","types":"z","remoteAddress\u0000":"a","timestamp":null}]`},
	{"dotless i does not fold to i", `{"fırst":true,"content":[{"tımestamp":"junk"}]}`},
	{"Kelvin sign", `{"content":[],"\u212a":1}`},
	{"escaped keys", `{"\u0063ontent":[{"\u0074ype":"Login","remote\u0041ddress":"x"}],"\u006eumber":3}`},
	{"key with invalid UTF-8", "{\"content\xff\":5,\"content\":[]}"},
	{"key with an escaped quote", `{"con\"tent":5}`},
	{"unquoted key", `{content:[]}`},
	{"missing colon", `{"content" []}`},
	{"trailing comma in object", `{"content":[],}`},
	{"key a number", `{1:2}`},

	// duplicate keys
	{"number twice", `{"number":1,"number":2}`},
	{"number then null", `{"number":1,"number":null}`},
	{"last then null", `{"last":true,"last":null}`},
	{"first then null", `{"first":true,"first":null}`},
	{"content then null", `{"content":[{}],"content":null}`},
	{"content twice", `{"content":[{"type":"a"}],"Content":[{"type":"b"},{"type":"c"}]}`},
	{"content twice, second empty", `{"content":[{"type":"a"}],"content":[]}`},
	{"content twice, null over an entry", `{"content":[{"type":"a"},{"type":"b"}],"content":[{"type":"c"},null]}`},
	{"content thrice, stale entry", `{"content":[{"type":"a"},{"type":"b"}],"content":[{"type":"c"}],"content":[{"type":"d"},null]}`},
	{"type twice", `[{"type":"Login","TYPE":"LoginFail"}]`},
	{"type then null", `[{"type":"Login","type":null}]`},
	{"message then null", `[{"message":"m","message":null}]`},
	{"remoteAddress then null", `[{"remoteAddress":"a","remoteAddress":null}]`},
	{"timestamp then null", `[{"timestamp":1793534400000,"timestamp":null}]`},
	{"timestamp then bad", `[{"timestamp":1793534400000,"timestamp":"bad"}]`},
	{"timestamp bad then good", `[{"timestamp":"bad","timestamp":0}]`},

	// numbers
	{"meta integers", `{"number":0,"size":-0,"totalElements":9223372036854775807,"totalPages":2147483647,"numberOfElements":-1}`},
	{"totalElements min int64", `{"totalElements":-9223372036854775808}`},
	{"totalElements past int64", `{"totalElements":9223372036854775808}`},
	{"totalElements below int64", `{"totalElements":-9223372036854775809}`},
	{"number past int32", `{"number":2147483648}`},
	{"number past int64", `{"number":99999999999999999999}`},
	{"number with fraction", `{"number":1.0}`},
	{"number with exponent", `{"number":1e2}`},
	{"number with upper exponent", `{"size":1E+2}`},
	{"number with negative exponent", `{"size":1e-2}`},
	{"number leading zero", `{"number":01}`},
	{"number minus alone", `{"number":-}`},
	{"number ends in point", `{"number":1.}`},
	{"number starts with point", `{"number":.1}`},
	{"number with plus", `{"number":+1}`},
	{"number exponent without digits", `{"number":1e}`},
	{"number exponent sign only", `{"number":1e+}`},
	{"number hexadecimal", `{"number":0x10}`},
	{"number Infinity", `{"number":Infinity}`},
	{"number NaN", `{"number":NaN}`},
	{"skipped numbers", `{"x":[0,-0,0.5,-0.5e10,1E-7,12345678901234567890123,1e400]}`},
	{"skipped bad number", `{"x":[-01]}`},
	{"skipped number with plus", `{"x":+1}`},
	{"skipped number with point first", `{"x":.5}`},
	{"skipped number exponent sign only", `{"x":1e-}`},
	{"skipped minus alone", `{"x":[-]}`},
	{"skipped number bad fraction", `{"x":1.e3}`},

	// meta of the wrong kind
	{"number a string", `{"number":"1"}`},
	{"size true", `{"size":true}`},
	{"totalElements an object", `{"totalElements":{}}`},
	{"totalPages an array", `{"totalPages":[]}`},
	{"first a number", `{"first":1}`},
	{"last a string", `{"last":"true"}`},
	{"numberOfElements null", `{"numberOfElements":null}`},
	{"first false", `{"first":false,"last":false}`},
	{"meta after content error", `{"content":[{"type":5}],"number":1}`},

	// negative meta, and more entries than a page may hold (each input
	// runs with every bound of oracleLimits)
	{"meta integers, none negative", `{"number":0,"size":-0,"totalElements":9223372036854775807,"totalPages":2147483647,"numberOfElements":0}`},
	{"number negative", `{"number":-1}`},
	{"size negative", `{"content":[],"size":-1}`},
	{"totalElements negative", `{"totalElements":-1}`},
	{"totalPages negative", `{"totalPages":-1,"content":[{}]}`},
	{"numberOfElements negative", `{"content":[{}],"numberOfElements":-2}`},
	{"negative then not", `{"totalPages":-1,"totalPages":1}`},
	{"not then negative", `{"totalPages":1,"TotalPages":-1}`},
	{"negative then null", `{"size":-1,"size":null}`},
	{"negative in a folded key", `{"ſize":-1}`},
	{"negative under pageable and in entries", `{"pageable":{"pageNumber":-1,"size":-1},"content":[{"number":-1,"size":-5}],"sort":{"totalPages":-1}}`},
	{"size states the content", `{"content":[{},{}],"size":2}`},
	{"size past the content", `{"content":[{}],"size":5}`},
	{"content past its size", `{"content":[{},{},{}],"size":2}`},
	{"content past its size, size first", `{"size":2,"content":[{},{},{}]}`},
	{"content past its size of 1", `{"content":[{},{}],"size":1}`},
	{"size 0 with entries", `{"content":[{},{}],"size":0}`},
	{"size null with entries", `{"content":[{},{},{}],"size":null}`},
	{"size repeated, smaller last", `{"size":5,"content":[{},{},{}],"size":2}`},
	{"size repeated, larger last", `{"size":2,"content":[{},{},{}],"size":5}`},
	{"long content replaced by a short one", `{"content":[{},{},{}],"content":[{}]}`},
	{"long content replaced by null", `{"content":[{},{},{}],"Content":null}`},
	{"short content replaced by a long one", `{"content":[],"content":[{},{},{}]}`},
	{"bare array of three", `[{},{},{}]`},
	{"short entries after a long one", `{"content":[{"message":"long enough that the guess is one entry"},{},{}]}`},
	{"entries past the bound, then a bad one", `{"content":[{},{},{"type":5}]}`},
	{"entries past the bound, then null", `[{},{},null]`},
	{"entries past the bound, then not JSON", `{"content":[{},{},{x`},
	{"entries past the bound, content not closed", `[{},{},{}`},

	// literals
	{"literal cut", `{"last":tru}`},
	{"literal wrong case", `{"last":True}`},
	{"literal null wrong", `{"number":nul}`},
	{"literal with suffix", `{"last":truex}`},
	{"literal false cut at end", `{"last":fals`},

	// trailing bytes and whitespace
	{"trailing garbage", `{} x`},
	{"two values", `{}{}`},
	{"null null", `null null`},
	{"array then bracket", `[] ]`},
	{"trailing comma", `{"content":[]} ,`},
	{"trailing NUL", "{}\x00"},
	{"trailing space", "{}\t\r\n "},
	{"form feed", "\f{}"},
	{"non-breaking space", "\u00a0{}"},
	{"vertical tab inside", "{\"content\":\v[]}"},
	{"space everywhere", " \r\n\t{ \"content\" : [ { \"type\" : \"Login\" , \"timestamp\" : 0 } ] , \"number\" : 0 } \n"},

	// nesting: the page is level 1, content 2, an entry 3
	{"deep nesting allowed", `{"x":` + nest(9999) + `}`},
	{"deep nesting refused", `{"x":` + nest(10000) + `}`},
	{"deep nesting in an entry allowed", `[{"x":` + nest(9998) + `}]`},
	{"deep nesting in an entry refused", `[{"x":` + nest(9999) + `}]`},
	{"deep objects", `{"x":` + strings.Repeat(`{"a":`, 9999) + `1` + strings.Repeat(`}`, 9999) + `}`},
	{"deep objects refused", `{"x":` + strings.Repeat(`{"a":`, 10000) + `1` + strings.Repeat(`}`, 10000) + `}`},
	{"deep unclosed", strings.Repeat("[", 20000)},
}

// oracleLimits are the bounds on a page's entries each input is decoded
// with: small ones that the inputs above reach, and the default.
var oracleLimits = []int{1, 2, 3, maxPageEntries}

// TestDecodeEntryPage_matchesEncodingJSON checks the one-pass decoder
// against encoding/json on every JSON file of testdata/ and on inputs
// chosen to catch a difference (see oracleDecodeEntryPage for the one
// difference kept and the checks), each with every bound of oracleLimits.
func TestDecodeEntryPage_matchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for path, body := range testdataBodies(t) {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			for _, limit := range oracleLimits {
				compareWithOracle(t, body, limit)
			}
		})
	}
	for _, tt := range trickyBodies {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, limit := range oracleLimits {
				compareWithOracle(t, []byte(tt.body), limit)
			}
		})
	}
}

// TestDecodeEntryPage_stopsAtTheBound: the decoder stops at the first
// entry past the bound, before reading it, so what follows is never read
// (here it is not even JSON), and keeps no more than the bound.
func TestDecodeEntryPage_stopsAtTheBound(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body  string
		limit int
		want  string
	}{
		{`{"content":[{},{},{x`, 2, "content holds more than the 2 entries asked for (the server may be ignoring size) at offset 18"},
		{`[{}, {} ,` + strings.Repeat(`{"type":5},`, 1000), 2, "content holds more than the 2 entries asked for (the server may be ignoring size) at offset 9"},
		{`{"content":[` + strings.Repeat(`{},`, maxPageEntries) + `nul`, maxPageEntries,
			fmt.Sprintf("content holds more than %d entries, the most a page may hold at offset %d", maxPageEntries, 12+3*maxPageEntries)},
	}
	for _, tt := range tests {
		_, _, err := decodeEntryPage([]byte(tt.body), tt.limit)
		if err == nil || err.Error() != tt.want {
			t.Errorf("decodeEntryPage(%.60q…, %d): err = %v\nwant %s", tt.body, tt.limit, err, tt.want)
		}
	}

	// The capacity guessed from the first entry's length stays within the
	// bound, however long the body after it.
	body := []byte(`{"content":[{},{}],"pad":"` + strings.Repeat("x", 1<<20) + `"}`)
	page, _, err := decodeEntryPage(body, 20)
	if err != nil || len(page.Content) != 2 || cap(page.Content) > 20 {
		t.Errorf("decodeEntryPage: %d entries, capacity %d, err %v; want 2 entries, capacity at most 20", len(page.Content), cap(page.Content), err)
	}
}

// TestDecodeEntryPage_boundedAllocations: a body of a million empty
// entries, refused for its first entry past the bound, costs a handful of
// allocations (the page, a content slice of at most the bound, the
// error), not one per entry.
func TestDecodeEntryPage_boundedAllocations(t *testing.T) {
	body := []byte(`{"content":[` + strings.Repeat(`{},`, 1_000_000) + `{}]}`)
	for _, limit := range []int{20, maxPageEntries} {
		var err error
		allocs := testing.AllocsPerRun(5, func() { _, _, err = decodeEntryPage(body, limit) })
		if err == nil {
			t.Fatalf("limit %d: a million entries read", limit)
		}
		// Growing the content to maxPageEntries reallocates it a few
		// dozen times; none of that is per entry.
		if allocs > 64 {
			t.Errorf("limit %d: %v allocations, want at most 64", limit, allocs)
		}
	}
}

// TestDecodeEntryPage_repeatedContent pins the divergence from
// encoding/json: a null entry in a repeated "content" is an error, where
// encoding/json kept an entry of the earlier array in its place.
func TestDecodeEntryPage_repeatedContent(t *testing.T) {
	t.Parallel()
	body := []byte(`{"content":[{"type":"a"},{"type":"b"}],"content":[{"type":"c"}],"content":[{"type":"d"},null]}`)
	old, err := twoPassDecodePage(body)
	if err != nil || len(old.Content) != 2 || old.Content[1].Type != "b" {
		t.Fatalf("encoding/json: %+v, %v; want entries d and b (b kept from the first array)", old, err)
	}
	if _, _, err := decodeEntryPage(body, maxPageEntries); err == nil || !strings.Contains(err.Error(), "entry 1 is null") {
		t.Errorf("err = %v, want entry 1 is null", err)
	}
}

// TestDecodeEntryPage_exactKeys pins the other divergence from
// encoding/json: keys match exactly, so a key in another case, or one
// that folds to a field's name ("ſ" folds to "s"), is an unknown field,
// kept only in Raw. Jackson writes the names as declared; encoding/json
// let "Content":null here replace the entries.
func TestDecodeEntryPage_exactKeys(t *testing.T) {
	t.Parallel()
	entry := `{"TYPE":"LoginFail","Timestamp":1793534400000,"meſſage":"m","remoteaddress":"a"}`
	body := []byte(`{"content":[` + entry + `],"Content":null,"ſize":0,"LAST":true,"Number":-1}`)
	old, err := twoPassDecodePage(body)
	if err != nil || old.Content != nil || !old.Last {
		t.Fatalf("encoding/json: %+v, %v; want no entries and last", old, err)
	}
	page, meta, err := decodeEntryPage(body, maxPageEntries)
	want := &Page[Entry]{Content: []Entry{{Raw: json.RawMessage(entry)}}}
	if err != nil || !reflect.DeepEqual(page, want) || meta != (pageMeta{}) {
		t.Errorf("decodeEntryPage = %+v, %+v, %v\nwant %+v and no meta", page, meta, err, want)
	}
	var e Entry
	if err := json.Unmarshal([]byte(entry), &e); err != nil || !reflect.DeepEqual(e, want.Content[0]) {
		t.Errorf("Unmarshal into Entry = %+v, %v; want %+v", e, err, want.Content[0])
	}
}

func TestDecodeEntryPage_errorsSayWhere(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("9", 5000)
	tests := []struct {
		body string
		want string
	}{
		{`{"content":[{"type":"Login"} {}]}`, "invalid character '{' after array element at offset 29"},
		{`{"number":"1"}`, `"number" is a string, want an integer or null at offset 10`},
		{`{"content":[{},{"message":5}]}`, `entry 1: "message" is a number, want a string or null at offset 26`},
		{`{"content":[{},null]}`, "entry 1 is null at offset 15"},
		{`{"content":[{"timestamp":"yesterday"}]}`, `entry 0: timestamp "yesterday" is neither epoch seconds or milliseconds nor an ISO-8601 date-time at offset 25`},
		{`{"totalElements":` + long + `}`, `"totalElements" is 99999999999999999999999999999999…, want an integer of at most 64 bits or null at offset 17`},
		{"{\"x\":\"\xff\x01\"}", `invalid character '\x01' in string literal at offset 7`},
		{"{\"x\":\xff}", "invalid character byte 0xff looking for beginning of value at offset 5"},
		{`{"x":[`, "unexpected end of JSON input at offset 6"},
		{`{"content":[],"totalPages":-1}`, `"totalPages" is -1, want a non-negative integer or null at offset 27`},
		{`{"content":[{},{},{}],"size":2}`, "content holds 3 entries, more than its own size of 2"},
		{`{"x":` + nest(10000) + `}`, "exceeded max depth at offset 10004"},
	}
	for _, tt := range tests {
		_, _, err := decodeEntryPage([]byte(tt.body), maxPageEntries)
		if err == nil || err.Error() != tt.want {
			t.Errorf("decodeEntryPage(%.60q…): err = %v\nwant %s", tt.body, err, tt.want)
		}
	}
}

// FuzzDecodeEntryPage_differential compares the one-pass decoder with the
// oracle built on encoding/json (see compareWithOracle), seeded with
// every JSON file of testdata/ and the tricky inputs above. limit is the
// bound on a page's entries, 0 for maxPageEntries: small bounds, which
// fuzzed bodies reach, test that the decoder stops where the oracle, which
// reads everything, says it must.
func FuzzDecodeEntryPage_differential(f *testing.F) {
	for _, body := range testdataBodies(f) {
		f.Add(body, uint8(0))
		f.Add(body, uint8(2))
	}
	for _, tt := range trickyBodies {
		if len(tt.body) < 1000 { // the deep ones would only slow mutation down
			f.Add([]byte(tt.body), uint8(0))
			f.Add([]byte(tt.body), uint8(2))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, limit uint8) {
		maxEntries := int(limit)
		if limit == 0 {
			maxEntries = maxPageEntries
		}
		compareWithOracle(t, body, maxEntries)
	})
}

// benchEntries renders n entries shaped like riskcloudtest's: mostly
// logins with a null message, about one in eight a failure with a reason,
// from a few dozen addresses, newest first.
func benchEntries(n int) [][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	addrs := make([]string, 40)
	for i := range addrs {
		addrs[i] = fmt.Sprintf("10.%d.%d.%d", rng.IntN(256), rng.IntN(256), 1+rng.IntN(254))
	}
	out := make([][]byte, n)
	ms := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC).UnixMilli()
	for i := range out {
		addr := addrs[rng.IntN(len(addrs))]
		if rng.IntN(8) == 0 {
			out[i] = fmt.Appendf(nil, `{"type":"LoginFail","timestamp":%d,"message":"Bad credentials","remoteAddress":%q}`, ms, addr)
		} else {
			out[i] = fmt.Appendf(nil, `{"type":"Login","timestamp":%d,"message":null,"remoteAddress":%q}`, ms, addr)
		}
		ms -= int64(rng.IntN(120_000))
	}
	return out
}

// benchPages renders entries as Spring pages of size entries, as
// riskcloudtest's server does.
func benchPages(entries [][]byte, size int) [][]byte {
	var pages [][]byte
	total := len(entries)
	totalPages := (total + size - 1) / size
	for n := 0; n*size < total; n++ {
		var b bytes.Buffer
		b.WriteString(`{"content":[`)
		from, to := n*size, min((n+1)*size, total)
		for i := from; i < to; i++ {
			if i > from {
				b.WriteByte(',')
			}
			b.Write(entries[i])
		}
		fmt.Fprintf(&b, `],"pageable":{"sort":{"empty":false,"sorted":true,"unsorted":false},"offset":%d,"pageNumber":%d,"pageSize":%d,"paged":true,"unpaged":false}`, from, n, size)
		fmt.Fprintf(&b, `,"last":%t,"totalPages":%d,"totalElements":%d,"size":%d,"number":%d`, n == totalPages-1, totalPages, total, size, n)
		fmt.Fprintf(&b, `,"sort":{"empty":false,"sorted":true,"unsorted":false},"first":%t,"numberOfElements":%d,"empty":false}`, n == 0, to-from)
		pages = append(pages, b.Bytes())
	}
	return pages
}

// TestDecodeEntryPage_allocations checks the decoder's allocation budget
// on a page of the API's shape: the Content slice, each RemoteAddress, and
// each Message that is not null; Type, Timestamp and Raw cost nothing.
func TestDecodeEntryPage_allocations(t *testing.T) {
	entries := benchEntries(500)
	body := benchPages(entries, 500)[0]
	messages := bytes.Count(body, []byte(`"Bad credentials"`))
	want := float64(len(entries) + messages + 2) // + the page and the Content slice
	got := testing.AllocsPerRun(20, func() {
		if _, _, err := decodeEntryPage(body, 500); err != nil {
			t.Fatal(err)
		}
	})
	if got > want {
		t.Errorf("%v allocations for a page of %d entries (%d messages), want at most %v", got, len(entries), messages, want)
	}
}

// BenchmarkDecodeEntryPage decodes 20,000 entries in pages of 500, as a
// walk of the API reads them: with decodeEntryPage, with the two-pass
// encoding/json decoder it replaced, and, as the baseline DESIGN.md
// quotes, with encoding/json into a plain struct (no Raw, timestamps left
// as numbers).
func BenchmarkDecodeEntryPage(b *testing.B) {
	entries := benchEntries(20_000)
	pages := benchPages(entries, 500)
	var bytesPerOp int64
	for _, p := range pages {
		bytesPerOp += int64(len(p))
	}
	run := func(b *testing.B, decode func([]byte) (int, error)) {
		b.SetBytes(bytesPerOp)
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			for _, p := range pages {
				k, err := decode(p)
				if err != nil {
					b.Fatal(err)
				}
				n += k
			}
			if n != len(entries) {
				b.Fatalf("decoded %d entries, want %d", n, len(entries))
			}
		}
		b.ReportMetric(float64(len(entries))*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
	}
	b.Run("decoder=one-pass", func(b *testing.B) {
		run(b, func(p []byte) (int, error) {
			page, _, err := decodeEntryPage(p, 500)
			if err != nil {
				return 0, err
			}
			return len(page.Content), nil
		})
	})
	b.Run("decoder=two-pass-encoding-json", func(b *testing.B) {
		run(b, func(p []byte) (int, error) {
			page, err := twoPassDecodePage(p)
			if err != nil {
				return 0, err
			}
			return len(page.Content), nil
		})
	})
	b.Run("decoder=encoding-json-plain-struct", func(b *testing.B) {
		type plainEntry struct {
			Type          string  `json:"type"`
			Timestamp     int64   `json:"timestamp"`
			Message       *string `json:"message"`
			RemoteAddress string  `json:"remoteAddress"`
		}
		run(b, func(p []byte) (int, error) {
			var page struct {
				Content          []plainEntry `json:"content"`
				Number           int          `json:"number"`
				Size             int          `json:"size"`
				TotalElements    int64        `json:"totalElements"`
				TotalPages       int          `json:"totalPages"`
				First            bool         `json:"first"`
				Last             bool         `json:"last"`
				NumberOfElements int          `json:"numberOfElements"`
			}
			err := json.Unmarshal(p, &page)
			return len(page.Content), err
		})
	})
}
