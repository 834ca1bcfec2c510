package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// ocsfSchema is testdata/ocsf-1.5.0-authentication.json: the OCSF 1.5.0
// Authentication class, the objects an event of ours may hold, and every
// type, trimmed from the published schema by testdata/trim_schemas.py.
type ocsfSchema struct {
	Version string                    `json:"version"`
	Class   ocsfObject                `json:"class"`
	Objects map[string]ocsfObject     `json:"objects"`
	Types   map[string]ocsfType       `json:"types"`
	regexps map[string]*regexp.Regexp // of Types, compiled
}

type ocsfObject struct {
	Name         string              `json:"name"`
	Caption      string              `json:"caption"`
	UID          int64               `json:"uid"`
	CategoryUID  int64               `json:"category_uid"`
	CategoryName string              `json:"category_name"`
	Constraints  map[string][]string `json:"constraints"`
	Attributes   map[string]ocsfAttr `json:"attributes"`
}

type ocsfAttr struct {
	Type        string            `json:"type"`
	Requirement string            `json:"requirement"`
	ObjectType  string            `json:"object_type"`
	Profile     string            `json:"profile"`
	IsArray     bool              `json:"is_array"`
	Enum        map[string]string `json:"enum"` // value: caption
}

type ocsfType struct {
	Type   string    `json:"type"` // the base type of a derived one
	Regex  string    `json:"regex"`
	MaxLen int       `json:"max_len"`
	Range  []float64 `json:"range"`
}

// ocsfOmitted are the recommended attributes our events leave out, each
// with why: the audit does not say. A recommended attribute neither
// emitted nor listed here fails the test, so that each one is decided.
var ocsfOmitted = map[string]string{
	"authentication.actor":            "the actor of a login is its user, in user",
	"authentication.auth_protocol":    "the audit does not say how the user authenticated (password, SSO)",
	"authentication.auth_protocol_id": "as auth_protocol",
	"authentication.certificate":      "no certificate is involved that the audit names",
	"authentication.dst_endpoint":     "the instance's address is not in the entry; service names it",
	"authentication.is_mfa":           "the audit does not say",
	"authentication.logon_type":       "OCSF's logon types are Windows'; a web login is none of them",
	"authentication.logon_type_id":    "as logon_type",
	"authentication.observables":      "each value is in its own attribute; a SIEM derives observables",
	"authentication.session":          "the audit has no session id",
	"authentication.timezone_offset":  "the source's zone is not known; time is in UTC",
	"authentication.status_code":      "the audit has a message, no code",
	"authentication.status_detail":    "only on failures, which have a reason",
	"authentication.message":          "only when the entry has a message",
	"authentication.src_endpoint":     "only when the entry has an address",
	"metadata.original_time":          "time holds the timestamp; --format ecs keeps the entry as sent",
	"metadata.tenant_uid":             "the instance is not in the entry",
	"product.uid":                     "LogicGate publishes no product id",
	"product.version":                 "Risk Cloud's release is not in the audit",
	"service.uid":                     "as product.uid",
	"service.version":                 "as product.version",
	"user.has_mfa":                    "the audit does not say",
	"user.type_id":                    "the audit does not say whether a user is an admin",
	"user.uid":                        "v1 entries name no user id",
	"user.name":                       "left out when a v2 user has an id but no email",
	"logger.device":                   "the CLI runs on no device it reports",
	"logger.log_name":                 "metadata.log_name names the log",
	"logger.log_provider":             "metadata.log_provider names it",
	"logger.logged_time":              "the CLI does not log, it converts",
	"logger.uid":                      "one CLI has no id",
	"network_endpoint.hostname":       "the audit has an address, not a host name",
	"network_endpoint.instance_uid":   "a client's address has no instance",
	"network_endpoint.interface_name": "not in the audit",
	"network_endpoint.interface_uid":  "not in the audit",
	"network_endpoint.name":           "used only for an address that is not an IP",
	"network_endpoint.owner":          "the user is in user",
	"network_endpoint.port":           "only when the address carries one",
	"network_endpoint.svc_name":       "a client's address has no service",
	"network_endpoint.type_id":        "the client's device type is not known",
	"network_endpoint.uid":            "not in the audit",
	"network_endpoint.ip":             "only when the address is an IP",
}

var loadOCSF = sync.OnceValues(func() (*ocsfSchema, error) {
	data, err := os.ReadFile("testdata/ocsf-1.5.0-authentication.json")
	if err != nil {
		return nil, err
	}
	var s ocsfSchema
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, err
	}
	s.regexps = map[string]*regexp.Regexp{}
	for name, typ := range s.Types {
		if typ.Regex != "" {
			if s.regexps[name], err = regexp.Compile(typ.Regex); err != nil {
				return nil, fmt.Errorf("type %s: %v", name, err)
			}
		}
	}
	return &s, nil
})

// validateOCSF checks one event against the class: every attribute known
// and of its type, enum values valid with their captions, required ones
// present, recommended ones present or in ocsfOmitted, the constraints of
// the class and its objects, and the class's own ids.
func validateOCSF(t *testing.T, line []byte) []string {
	t.Helper()
	s, err := loadOCSF()
	if err != nil {
		t.Fatal(err)
	}
	var event map[string]any
	dec := json.NewDecoder(strings.NewReader(string(line)))
	dec.UseNumber()
	if err := dec.Decode(&event); err != nil {
		return []string{fmt.Sprintf("not a JSON object: %v", err)}
	}
	v := &ocsfValidator{schema: s, profiles: profilesOf(event)}
	v.object("", event, s.Class, "authentication")
	v.classIDs(event)
	return v.problems
}

type ocsfValidator struct {
	schema   *ocsfSchema
	profiles []string
	problems []string
}

func (v *ocsfValidator) fail(format string, args ...any) {
	v.problems = append(v.problems, fmt.Sprintf(format, args...))
}

func profilesOf(event map[string]any) []string {
	md, _ := event["metadata"].(map[string]any)
	list, _ := md["profiles"].([]any)
	var out []string
	for _, p := range list {
		if s, ok := p.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// object checks obj, at path, as an instance of the object (or class)
// named objName.
func (v *ocsfValidator) object(path string, obj map[string]any, schema ocsfObject, objName string) {
	for key, val := range obj {
		attr, ok := schema.Attributes[key]
		if !ok {
			v.fail("%s%s: no such attribute in %s", path, key, objName)
			continue
		}
		if attr.Profile != "" && !slices.Contains(v.profiles, attr.Profile) {
			v.fail("%s%s: belongs to profile %s, which metadata.profiles does not list", path, key, attr.Profile)
		}
		v.attribute(path+key, val, attr)
	}
	for key, attr := range schema.Attributes {
		if _, ok := obj[key]; ok || (attr.Profile != "" && !slices.Contains(v.profiles, attr.Profile)) {
			continue
		}
		switch {
		case attr.Requirement == "required":
			v.fail("%s%s: required, missing", path, key)
		case attr.Requirement == "recommended" && ocsfOmitted[objName+"."+key] == "":
			v.fail("%s%s: recommended, missing, and not in ocsfOmitted", path, key)
		}
	}
	v.constraints(path, obj, schema.Constraints)
	v.captions(path, obj, schema)
}

func (v *ocsfValidator) constraints(path string, obj map[string]any, cs map[string][]string) {
	for kind, names := range cs {
		n := 0
		for _, name := range names {
			if _, ok := obj[name]; ok {
				n++
			}
		}
		switch {
		case kind == "at_least_one" && n == 0:
			v.fail("%s: needs at least one of %v", strings.TrimSuffix(path, "."), names)
		case kind == "just_one" && n != 1:
			v.fail("%s: needs exactly one of %v, has %d", strings.TrimSuffix(path, "."), names, n)
		case kind != "at_least_one" && kind != "just_one":
			v.fail("%s: constraint %s unknown to this validator", path, kind)
		}
	}
}

// captions checks that the name beside an enum id (activity_name beside
// activity_id, status beside status_id, type_name beside type_uid) is the
// enum's caption, except for 99 Other, whose name is the source's.
func (v *ocsfValidator) captions(path string, obj map[string]any, schema ocsfObject) {
	for key, attr := range schema.Attributes {
		id, ok := obj[key].(json.Number)
		if !ok || len(attr.Enum) == 0 || id.String() == "99" {
			continue
		}
		base := strings.TrimSuffix(strings.TrimSuffix(key, "_id"), "_uid")
		for _, sibling := range []string{base, base + "_name"} {
			if name, ok := obj[sibling].(string); ok && sibling != key && name != attr.Enum[id.String()] {
				v.fail("%s%s: %q, but %s %s is %q", path, sibling, name, key, id, attr.Enum[id.String()])
			}
		}
	}
}

// attribute checks one value: an array of its type if the attribute is
// one, an object, or a scalar of its type.
func (v *ocsfValidator) attribute(path string, val any, attr ocsfAttr) {
	if attr.IsArray {
		list, ok := val.([]any)
		if !ok {
			v.fail("%s: want an array, got %T", path, val)
			return
		}
		one := attr
		one.IsArray = false
		for i, el := range list {
			v.attribute(fmt.Sprintf("%s[%d]", path, i), el, one)
		}
		return
	}
	if attr.ObjectType != "" {
		obj, ok := val.(map[string]any)
		schema, known := v.schema.Objects[attr.ObjectType]
		switch {
		case !ok:
			v.fail("%s: want a %s object, got %T", path, attr.ObjectType, val)
		case !known:
			v.fail("%s: object %s is not in the trimmed schema (add it to trim_schemas.py)", path, attr.ObjectType)
		default:
			v.object(path+".", obj, schema, attr.ObjectType)
		}
		return
	}
	v.scalar(path, val, attr.Type)
	if len(attr.Enum) > 0 {
		if n, ok := val.(json.Number); !ok || attr.Enum[n.String()] == "" {
			v.fail("%s: %v is not one of the enum's values", path, val)
		}
	}
}

// scalar checks val against the type typ, derived types through their
// base type, regex, length and range.
func (v *ocsfValidator) scalar(path string, val any, typ string) {
	def, ok := v.schema.Types[typ]
	if !ok {
		v.fail("%s: type %s unknown", path, typ)
		return
	}
	if def.Type != "" {
		v.scalar(path, val, def.Type)
	}
	switch typ {
	case "string_t":
		if _, ok := val.(string); !ok {
			v.fail("%s: want a string, got %T", path, val)
		}
	case "integer_t", "long_t":
		n, ok := val.(json.Number)
		i, err := strconv.ParseInt(n.String(), 10, 64)
		if !ok || err != nil || (typ == "integer_t" && (i < math.MinInt32 || i > math.MaxInt32)) {
			v.fail("%s: want an %s, got %v", path, typ, val)
		}
	case "float_t":
		if _, ok := val.(json.Number); !ok {
			v.fail("%s: want a number, got %T", path, val)
		}
	case "boolean_t":
		if _, ok := val.(bool); !ok {
			v.fail("%s: want a boolean, got %T", path, val)
		}
	}
	v.constraintsOfType(path, val, typ, def)
}

func (v *ocsfValidator) constraintsOfType(path string, val any, typ string, def ocsfType) {
	if s, ok := val.(string); ok {
		if re := v.schema.regexps[typ]; re != nil && !re.MatchString(s) {
			v.fail("%s: %q does not match %s's regex", path, s, typ)
		}
		if def.MaxLen > 0 && len(s) > def.MaxLen {
			v.fail("%s: %q is longer than %s's %d", path, s, typ, def.MaxLen)
		}
	}
	if n, ok := val.(json.Number); ok && len(def.Range) == 2 {
		if f, _ := n.Float64(); f < def.Range[0] || f > def.Range[1] {
			v.fail("%s: %v is outside %s's range %v", path, n, typ, def.Range)
		}
	}
}

// classIDs checks the ids that tie an event to its class: class_uid,
// category_uid, and type_uid = class_uid × 100 + activity_id.
func (v *ocsfValidator) classIDs(event map[string]any) {
	num := func(key string) int64 {
		n, _ := event[key].(json.Number)
		i, _ := n.Int64()
		return i
	}
	c := v.schema.Class
	if num("class_uid") != c.UID || num("category_uid") != c.CategoryUID {
		v.fail("class_uid %d, category_uid %d; want %d, %d", num("class_uid"), num("category_uid"), c.UID, c.CategoryUID)
	}
	if num("type_uid") != c.UID*100+num("activity_id") {
		v.fail("type_uid %d is not class_uid × 100 + activity_id %d", num("type_uid"), num("activity_id"))
	}
	if event["class_name"] != c.Caption || event["category_name"] != c.CategoryName {
		v.fail("class_name %v, category_name %v; want %q, %q", event["class_name"], event["category_name"], c.Caption, c.CategoryName)
	}
	if md, _ := event["metadata"].(map[string]any); md["version"] != v.schema.Version {
		v.fail("metadata.version %v, want %s", md["version"], v.schema.Version)
	}
}
