package main

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// ecsSchema is testdata/ecs-9.4.0-fields.json: the fields of ECS 9.4.0's
// flat list in the field sets an event of ours may use, converted from
// YAML by testdata/trim_schemas.py.
type ecsSchema struct {
	Version string              `json:"version"`
	Fields  map[string]ecsField `json:"fields"`
}

type ecsField struct {
	Type     string `json:"type"`
	Level    string `json:"level"`
	Array    bool   `json:"array"`
	Required bool   `json:"required"`
	// Allowed are the allowed values, each with the event.type values
	// expected with it (for event.category).
	Allowed map[string][]string `json:"allowed"`
}

var loadECS = sync.OnceValues(func() (*ecsSchema, error) {
	data, err := os.ReadFile("testdata/ecs-9.4.0-fields.json")
	if err != nil {
		return nil, err
	}
	var s ecsSchema
	return &s, json.Unmarshal(data, &s)
})

// ecsRequired are the fields every document of ours has: ECS's required
// ones and what the issue asks of an authentication event.
var ecsRequired = []string{"@timestamp", "ecs.version", "event.kind", "event.category", "event.type"}

// validateECS checks one document: every leaf field known to ECS with its
// declared type (arrays where ECS normalises to arrays, scalars
// elsewhere), allowed values only, each event.type expected with every
// event.category, ecs.version the schema's, and the required fields.
func validateECS(t *testing.T, line []byte) []string {
	t.Helper()
	s, err := loadECS()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	dec := json.NewDecoder(strings.NewReader(string(line)))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return []string{fmt.Sprintf("not a JSON object: %v", err)}
	}
	flat := map[string]any{}
	var problems []string
	flattenECS("", doc, s, flat, &problems)
	for name, val := range flat {
		problems = append(problems, checkECSField(name, val, s.Fields[name])...)
	}
	for name, f := range s.Fields {
		if _, ok := flat[name]; f.Required && !ok {
			problems = append(problems, name+": required by ECS, missing")
		}
	}
	for _, name := range ecsRequired {
		if _, ok := flat[name]; !ok {
			problems = append(problems, name+": missing")
		}
	}
	if flat["ecs.version"] != s.Version {
		problems = append(problems, fmt.Sprintf("ecs.version %v, want %s", flat["ecs.version"], s.Version))
	}
	return append(problems, checkECSCategories(flat, s)...)
}

// flattenECS turns nested objects into dotted names, as Elasticsearch
// maps them, stopping at fields that ECS declares objects. A name that
// ECS does not know is a problem.
func flattenECS(prefix string, obj map[string]any, s *ecsSchema, flat map[string]any, problems *[]string) {
	for key, val := range obj {
		name := prefix + key
		f, known := s.Fields[name]
		if nested, ok := val.(map[string]any); ok && (!known || (f.Type != "object" && f.Type != "flattened")) {
			if known {
				*problems = append(*problems, fmt.Sprintf("%s: an object, but ECS declares %s", name, f.Type))
				continue
			}
			flattenECS(name+".", nested, s, flat, problems)
			continue
		}
		if !known {
			*problems = append(*problems, name+": not an ECS field")
			continue
		}
		flat[name] = val
	}
}

func checkECSField(name string, val any, f ecsField) []string {
	list, isList := val.([]any)
	if f.Array != isList {
		return []string{fmt.Sprintf("%s: array %v, but ECS normalises it to array %v", name, isList, f.Array)}
	}
	if !isList {
		list = []any{val}
	}
	var problems []string
	for _, v := range list {
		if err := checkECSValue(v, f.Type); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", name, err))
		}
		if s, _ := v.(string); f.Allowed != nil && f.Allowed[s] == nil {
			problems = append(problems, fmt.Sprintf("%s: %v is not an allowed value", name, v))
		}
	}
	return problems
}

// checkECSValue checks one value against an ECS (Elasticsearch) type.
func checkECSValue(v any, typ string) error {
	s, isString := v.(string)
	n, isNumber := v.(json.Number)
	switch typ {
	case "keyword", "constant_keyword", "wildcard", "match_only_text", "text":
		if !isString {
			return fmt.Errorf("%v is not a string (%s)", v, typ)
		}
	case "date":
		if _, err := time.Parse(time.RFC3339Nano, s); !isString || err != nil {
			return fmt.Errorf("%v is not a date", v)
		}
	case "ip":
		if _, err := netip.ParseAddr(s); !isString || err != nil {
			return fmt.Errorf("%v is not an IP address", v)
		}
	case "long", "integer":
		i, err := strconv.ParseInt(n.String(), 10, 64)
		if !isNumber || err != nil || (typ == "integer" && (i < math.MinInt32 || i > math.MaxInt32)) {
			return fmt.Errorf("%v is not a %s", v, typ)
		}
	case "float", "double", "scaled_float":
		if !isNumber {
			return fmt.Errorf("%v is not a number", v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%v is not a boolean", v)
		}
	default:
		return fmt.Errorf("type %s unknown to this validator", typ)
	}
	return nil
}

// checkECSCategories checks that each event.type is one ECS expects with
// every event.category of the document.
func checkECSCategories(flat map[string]any, s *ecsSchema) []string {
	categories, _ := flat["event.category"].([]any)
	types, _ := flat["event.type"].([]any)
	var problems []string
	for _, c := range categories {
		expected := s.Fields["event.category"].Allowed[fmt.Sprint(c)]
		for _, typ := range types {
			if !slices.Contains(expected, fmt.Sprint(typ)) {
				problems = append(problems, fmt.Sprintf("event.type %v is not expected with event.category %v (%v)", typ, c, expected))
			}
		}
	}
	return problems
}
