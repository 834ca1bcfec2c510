package riskcloud_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
)

// specAudit is the spec's example of an access audit, with the created of
// recordedAt; its fields are specAuditFields.
const specAudit = `{"id":"a1b2c3d4","type":"LOGIN","user":{"id":"u7f3a9c21","name":"Jane Doe","email":"jane.doe@example.com","object":"user"},` +
	`"remoteAddress":"192.0.2.1","details":"Login succeeded","created":1793534400000,"object":"access_audit"}`

var specAuditFields = riskcloud.AccessAudit{ID: "a1b2c3d4", Type: riskcloud.AuditLogin,
	User:          riskcloud.AuditUser{ID: "u7f3a9c21", Name: "Jane Doe", Email: "jane.doe@example.com"},
	RemoteAddress: "192.0.2.1", Details: "Login succeeded", Created: recordedAt}

// auditWith is specAudit with the member key replaced by key:value, or
// left out when value is "".
func auditWith(key, value string) string {
	var b strings.Builder
	b.WriteByte('{')
	dec := json.NewDecoder(strings.NewReader(specAudit))
	dec.Token()
	for dec.More() {
		k, _ := dec.Token()
		var v json.RawMessage
		dec.Decode(&v)
		if k == key {
			if value == "" {
				continue
			}
			v = json.RawMessage(value)
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + k.(string) + `":`)
		b.Write(v)
	}
	return b.String() + "}"
}

func TestAccessAudit_UnmarshalJSON_created(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		json string // created's JSON value; "" leaves it out
		want time.Time
	}{
		{"epoch millis, the spec's example", `1672552800000`, time.Date(2023, 1, 1, 6, 0, 0, 0, time.UTC)},
		{"epoch millis", `1793534400000`, recordedAt},
		{"epoch millis with milliseconds", `1793534400250`, recordedAt.Add(250 * time.Millisecond)},
		{"numeric string", `"1793534400000"`, recordedAt},
		{"RFC 3339 with Z", `"2026-11-01T12:00:00Z"`, recordedAt},
		{"RFC 3339 with a fraction", `"2026-11-01T12:00:00.250Z"`, recordedAt.Add(250 * time.Millisecond)},
		{"RFC 3339 with nanoseconds", `"2026-11-01T12:00:00.123456789Z"`, recordedAt.Add(123456789)},
		{"RFC 3339 with an offset", `"2026-11-01T13:00:00+01:00"`, recordedAt},
		{"RFC 3339 with a fraction and an offset", `"2026-11-01T06:30:00.5-05:30"`, recordedAt.Add(500 * time.Millisecond)},
		{"ISO-8601 without a zone is UTC", `"2026-11-01T12:00:00"`, recordedAt},
		{"ISO-8601 without a zone, with a fraction", `"2026-11-01T12:00:00.250"`, recordedAt.Add(250 * time.Millisecond)},
		{"epoch seconds, as Entry.Timestamp reads them", `1793534400`, recordedAt},
		{"null", `null`, time.Time{}},
		{"empty string", `""`, time.Time{}},
		{"missing", ``, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			obj := auditWith("created", tt.json)
			var a riskcloud.AccessAudit
			if err := json.Unmarshal([]byte(obj), &a); err != nil {
				t.Fatalf("Unmarshal(%s): %v", obj, err)
			}
			if !a.Created.Equal(tt.want) || a.Created.Location() != time.UTC {
				t.Errorf("Created = %v (%v), want %v in UTC", a.Created, a.Created.Location(), tt.want)
			}
			// Created is read as Entry.Timestamp is.
			var e riskcloud.Entry
			if tt.json != "" {
				if err := json.Unmarshal([]byte(`{"timestamp":`+tt.json+`}`), &e); err != nil || !e.Timestamp.Equal(a.Created) {
					t.Errorf("Entry.Timestamp of %s = %v (%v), Created = %v", tt.json, e.Timestamp, err, a.Created)
				}
			}
		})
	}
}

func TestAccessAudit_UnmarshalJSON_fields(t *testing.T) {
	t.Parallel()
	jane := specAuditFields.User
	tests := []struct {
		name string
		json string
		want riskcloud.AccessAudit // Raw is json
	}{
		{"the spec's item", specAudit, specAuditFields},
		{"empty object", `{}`, riskcloud.AccessAudit{}},
		{"every field null", `{"id":null,"type":null,"user":null,"remoteAddress":null,"details":null,"created":null,"object":null}`, riskcloud.AccessAudit{}},
		{"user null", auditWith("user", "null"), with(specAuditFields, func(a *riskcloud.AccessAudit) { a.User = riskcloud.AuditUser{} })},
		{"user missing", auditWith("user", ""), with(specAuditFields, func(a *riskcloud.AccessAudit) { a.User = riskcloud.AuditUser{} })},
		{"user empty", auditWith("user", "{}"), with(specAuditFields, func(a *riskcloud.AccessAudit) { a.User = riskcloud.AuditUser{} })},
		{"user fields null", auditWith("user", `{"id":null,"name":null,"email":null,"object":null}`),
			with(specAuditFields, func(a *riskcloud.AccessAudit) { a.User = riskcloud.AuditUser{} })},
		{"user with only an email", auditWith("user", `{"email":"jane.doe@example.com"}`),
			with(specAuditFields, func(a *riskcloud.AccessAudit) { a.User = riskcloud.AuditUser{Email: jane.Email} })},
		{"user with unknown fields", auditWith("user", `{"id":"u7f3a9c21","name":"Jane Doe","email":"jane.doe@example.com","roles":["admin"],"tenant":{"id":1}}`),
			specAuditFields},
		{"unknown fields", `{"id":"a1","geo":{"country":"NL","asn":[64496]},"userAgent":"curl/8.5.0","mfa":true,"object":"access_audit"}`,
			riskcloud.AccessAudit{ID: "a1"}},
		{"id as a number", auditWith("id", `4815162342`), with(specAuditFields, func(a *riskcloud.AccessAudit) { a.ID = "4815162342" })},
		{"id as a number past int64", auditWith("id", `123456789012345678901234567890`),
			with(specAuditFields, func(a *riskcloud.AccessAudit) { a.ID = "123456789012345678901234567890" })},
		{"id as a number past float64", auditWith("id", `1e400`), with(specAuditFields, func(a *riskcloud.AccessAudit) { a.ID = "1e400" })},
		{"id as a number with exponent, kept as written", auditWith("id", `1.5e3`), with(specAuditFields, func(a *riskcloud.AccessAudit) { a.ID = "1.5e3" })},
		{"user id as a number", auditWith("user", `{"id":42,"email":"jane.doe@example.com"}`),
			with(specAuditFields, func(a *riskcloud.AccessAudit) { a.User = riskcloud.AuditUser{ID: "42", Email: jane.Email} })},
		{"every type", `{"type":"CREDENTIALS_ROLLED"}`, riskcloud.AccessAudit{Type: riskcloud.AuditCredentialsRolled}},
		{"unknown type kept", `{"type":"SSO_LOGIN"}`, riskcloud.AccessAudit{Type: "SSO_LOGIN"}},
		{"type in another case kept as sent", `{"type":"login"}`, riskcloud.AccessAudit{Type: "login"}},
		{"escaped type", `{"type":"LOGIN\u005fFAILED"}`, riskcloud.AccessAudit{Type: riskcloud.AuditLoginFailed}},
		{"escaped strings", `{"details":"caf\u00e9 \"x\"","user":{"name":"J\u00f6rg"}}`,
			riskcloud.AccessAudit{Details: `café "x"`, User: riskcloud.AuditUser{Name: "Jörg"}}},
		{"keys match exactly", `{"ID":"x","Type":"LOGIN","USER":{"id":"u"},"remoteaddress":"a","Details":"d","Created":1,"user":{"Email":"e","EMAIL":"e"}}`,
			riskcloud.AccessAudit{}},
		{"whitespace everywhere", " {\n\t\"id\" : \"a1\" ,\r\n \"user\" : { \"email\" :\"jane.doe@example.com\" } , \"created\" : 1793534400000 } ",
			riskcloud.AccessAudit{ID: "a1", User: riskcloud.AuditUser{Email: jane.Email}, Created: recordedAt}},
		// Of a repeated key the last counts, and null counts as empty.
		{"id twice", `{"id":"a","id":"b"}`, riskcloud.AccessAudit{ID: "b"}},
		{"id then null", `{"id":"a","id":null}`, riskcloud.AccessAudit{}},
		{"type then null", `{"type":"LOGIN","type":null}`, riskcloud.AccessAudit{}},
		{"user twice replaces it whole", `{"user":{"id":"u1","name":"n"},"user":{"email":"e"}}`, riskcloud.AccessAudit{User: riskcloud.AuditUser{Email: "e"}}},
		{"user then null", `{"user":{"id":"u1"},"user":null}`, riskcloud.AccessAudit{}},
		{"user email twice", `{"user":{"email":"a","email":"b"}}`, riskcloud.AccessAudit{User: riskcloud.AuditUser{Email: "b"}}},
		{"created bad then good", `{"created":"yesterday","created":1793534400000}`, riskcloud.AccessAudit{Created: recordedAt}},
		{"created then null", `{"created":1793534400000,"created":null}`, riskcloud.AccessAudit{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var a riskcloud.AccessAudit
			if err := json.Unmarshal([]byte(tt.json), &a); err != nil {
				t.Fatalf("Unmarshal(%s): %v", tt.json, err)
			}
			want := tt.want
			want.Raw = json.RawMessage(strings.TrimSpace(tt.json))
			if !reflect.DeepEqual(a, want) {
				t.Errorf("Unmarshal(%s) =\n%+v\nwant %+v", tt.json, a, want)
			}
		})
	}
}

// with returns a changed by change.
func with(a riskcloud.AccessAudit, change func(*riskcloud.AccessAudit)) riskcloud.AccessAudit {
	change(&a)
	return a
}

func TestAccessAudit_UnmarshalJSON_errorsNameTheField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		json string
		want string // the error's text
	}{
		{`{"id":true}`, `"id" is a boolean, want a string, a number or null at offset 6`},
		{`{"id":{"value":"a1"}}`, `"id" is an object, want a string, a number or null at offset 6`},
		{`{"id":["a1"]}`, `"id" is an array, want a string, a number or null at offset 6`},
		{`{"type":5}`, `"type" is a number, want a string or null at offset 8`},
		{`{"user":"jane.doe@example.com"}`, `"user" is a string, want an object or null at offset 8`},
		{`{"user":[]}`, `"user" is an array, want an object or null at offset 8`},
		{`{"user":{"id":false}}`, `"user.id" is a boolean, want a string, a number or null at offset 14`},
		{`{"user":{"name":1}}`, `"user.name" is a number, want a string or null at offset 16`},
		{`{"user":{"email":{}}}`, `"user.email" is an object, want a string or null at offset 17`},
		{`{"remoteAddress":["192.0.2.1"]}`, `"remoteAddress" is an array, want a string or null at offset 17`},
		{`{"details":{"text":"x"}}`, `"details" is an object, want a string or null at offset 11`},
		{`{"created":"yesterday"}`, `"created": timestamp "yesterday" is neither epoch seconds or milliseconds nor an ISO-8601 date-time at offset 11`},
		{`{"created":true}`, `"created": timestamp true is neither epoch seconds or milliseconds nor an ISO-8601 date-time at offset 11`},
		{`{"created":{}}`, `"created": timestamp {} is neither epoch seconds or milliseconds nor an ISO-8601 date-time at offset 11`},
		{`{"created":1e300}`, `"created": timestamp 1e300 is neither epoch seconds or milliseconds nor an ISO-8601 date-time at offset 11`},
		{`{"created":1793534400000,"created":"bad"}`, `"created": timestamp "bad" is neither epoch seconds or milliseconds nor an ISO-8601 date-time at offset 35`},
		{`[]`, `an access audit is an array, want an object at offset 0`},
		{`"a1"`, `an access audit is a string, want an object at offset 0`},
		{`{"id":"a1"} {}`, `invalid character '{' after top-level value at offset 12`},
	}
	for _, tt := range tests {
		before := riskcloud.AccessAudit{ID: "kept", Raw: json.RawMessage(`{"id":"kept"}`)}
		a := before
		err := a.UnmarshalJSON([]byte(tt.json))
		if err == nil || err.Error() != tt.want {
			t.Errorf("UnmarshalJSON(%s): err = %v\nwant %s", tt.json, err, tt.want)
		}
		if !reflect.DeepEqual(a, before) {
			t.Errorf("UnmarshalJSON(%s) failed but changed the audit to %+v", tt.json, a)
		}
		if strings.Contains(tt.json, `"created"`) && !errors.As(err, new(*riskcloud.TimestampError)) {
			t.Errorf("UnmarshalJSON(%s): err = %v, want one wrapping a *TimestampError", tt.json, err)
		}
	}
}

// TestAccessAudit_UnmarshalJSON_null: null leaves the audit as it is, as
// encoding/json does for a value it reads into.
func TestAccessAudit_UnmarshalJSON_null(t *testing.T) {
	t.Parallel()
	var a riskcloud.AccessAudit
	if err := json.Unmarshal([]byte(specAudit), &a); err != nil {
		t.Fatal(err)
	}
	before := a
	for _, null := range []string{`null`, ` null `} {
		if err := json.Unmarshal([]byte(null), &a); err != nil || !reflect.DeepEqual(a, before) {
			t.Errorf("Unmarshal(%q) = %+v, %v; want the audit unchanged", null, a, err)
		}
	}
	var list []riskcloud.AccessAudit
	if err := json.Unmarshal([]byte(`[null,`+specAudit+`]`), &list); err != nil || len(list) != 2 || !reflect.DeepEqual(list[0], riskcloud.AccessAudit{}) {
		t.Errorf("Unmarshal([null, …]) = %+v, %v; want a zero audit first", list, err)
	}
}

// TestAccessAudit_UnmarshalJSON_decodesAfresh: every field is replaced,
// not merged with what the audit held.
func TestAccessAudit_UnmarshalJSON_decodesAfresh(t *testing.T) {
	t.Parallel()
	var a riskcloud.AccessAudit
	if err := json.Unmarshal([]byte(specAudit), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(`{"type":"LOGOUT"}`), &a); err != nil {
		t.Fatal(err)
	}
	want := riskcloud.AccessAudit{Type: riskcloud.AuditLogout, Raw: json.RawMessage(`{"type":"LOGOUT"}`)}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("second Unmarshal = %+v, want %+v", a, want)
	}
}

// TestAccessAudit_UnmarshalJSON_rawIsACopy: Raw holds the exact bytes of
// the object, unknown fields and spacing included, in a buffer of its own:
// encoding/json reuses its input, and so may the caller.
func TestAccessAudit_UnmarshalJSON_rawIsACopy(t *testing.T) {
	t.Parallel()
	obj := "{ \"id\" : \"a1\",\n \"x\" : [1, {\"y\": null}] }"
	data := []byte(`[` + obj + `]`)
	var list []riskcloud.AccessAudit
	if err := json.Unmarshal(data, &list); err != nil {
		t.Fatal(err)
	}
	if string(list[0].Raw) != obj {
		t.Fatalf("Raw = %q, want %q", list[0].Raw, obj)
	}
	for i := range data {
		data[i] = 'x'
	}
	if string(list[0].Raw) != obj {
		t.Errorf("Raw = %q after the input was overwritten, want %q", list[0].Raw, obj)
	}

	var a riskcloud.AccessAudit
	input := []byte(specAudit)
	if err := a.UnmarshalJSON(input); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Raw, input) || &a.Raw[0] == &input[0] {
		t.Errorf("Raw = %q, want a copy of the input", a.Raw)
	}
}

// TestAuditService_Access_Page_decodes reads the recorded v2 pages with
// Pager.Page, one request through the client's pipeline (no walk): both
// orders and both created encodings give the same entries, each Raw the
// exact bytes of its object, and a page that cannot be read is
// ErrUnexpectedResponse naming the field.
func TestAuditService_Access_Page_decodes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var pages [][]riskcloud.AccessAudit
	for _, file := range []string{"audit_created_millis_newest_first.json", "audit_created_rfc3339_oldest_first.json"} {
		body := readTestdata(t, file)
		h := jsonPage(body)
		page, err := newTestClient(t, h).Audits.Access(&riskcloud.AccessAuditOptions{Size: 20}).Page(ctx, 0)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		want := riskcloud.Page[riskcloud.AccessAudit]{Number: 0, Size: 20, TotalElements: 4, TotalPages: 1,
			First: true, Last: true, NumberOfElements: 4}
		if got := *page; got.Content == nil || !reflect.DeepEqual(withoutContent(got), want) {
			t.Errorf("%s: page = %+v, want %+v", file, got, want)
		}
		raws := rawContent(t, body)
		for i, a := range page.Content {
			if string(a.Raw) != raws[i] {
				t.Errorf("%s: entry %d: Raw = %s, want %s", file, i, a.Raw, raws[i])
			}
			if a.Created.Location() != time.UTC {
				t.Errorf("%s: entry %d: Created %v is not UTC", file, i, a.Created)
			}
			page.Content[i].Raw = nil
		}
		if r := h.requests(); len(r) != 1 || !strings.HasSuffix(r[0].URL.Path, "/api/v2/audits/access") {
			t.Errorf("%s: %d requests, want one to /api/v2/audits/access", file, len(r))
		}
		pages = append(pages, page.Content)
	}
	slices.Reverse(pages[1])
	if !reflect.DeepEqual(pages[0], pages[1]) {
		t.Errorf("the two recorded pages differ:\n%+v\n%+v", pages[0], pages[1])
	}
	if len(pages[0]) != 4 || pages[0][0].User.Email != "jane.doe@example.com" || pages[0][3].Type != riskcloud.AuditTokenRolled {
		t.Errorf("newest first: %+v", pages[0])
	}

	c := newTestClient(t, jsonPage([]byte(`{"content":[{"id":"a1","user":{"email":5}}]}`)))
	_, err := c.Audits.Access(nil).Page(ctx, 0)
	if !errors.Is(err, riskcloud.ErrUnexpectedResponse) || !strings.Contains(err.Error(), `"user.email" is a number`) {
		t.Errorf("err = %v, want ErrUnexpectedResponse naming user.email", err)
	}
}

// with2 returns p without its content, for comparing meta.
func withoutContent(p riskcloud.Page[riskcloud.AccessAudit]) riskcloud.Page[riskcloud.AccessAudit] {
	p.Content = nil
	return p
}
