package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestBinaryAudits runs the built command's audits as a user would: each
// format's first lines, a tenant without v2, a bad --type, the demo.
func TestBinaryAudits(t *testing.T) {
	t.Parallel()
	srv := newV2Server(t, 0, v2Audits(12, testEnd)...)
	missing := newV2Server(t, http.StatusNotFound)
	demo := map[string]string{envURL: "https://acme.logicgate.com", envToken: "rct_do-not-use"}
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		code   int
		lines  int    // of stdout, header included; -1: any but 0
		stdout string // in stdout
		stderr string // in stderr
	}{
		{"jsonl", srv.env(), []string{"audits", "--size", "5", "--type", "login"}, exitOK, 12,
			`{"type":"LOGIN","timestamp":"2026-11-01T12:00:00.000Z","message":"details 0","remoteAddress":"198.51.100.1","email":"user0@example.com","userId":"u-0","userName":"User 0","id":"a-0000"}` + "\n", ""},
		{"csv", srv.env(), []string{"-o", "csv", "audits", "--limit", "2"}, exitOK, 3,
			csvV2Header + "2026-11-01T12:00:00.000Z,LOGIN,198.51.100.1,details 0,user0@example.com,u-0,User 0,a-0000\n" +
				"2026-11-01T11:59:00.000Z,LOGOUT,198.51.100.2,details 1,user1@example.com,u-1,User 1,a-0001\n", ""},
		{"table", srv.env(), []string{"audits", "-o", "table", "--limit", "1"}, exitOK, 2,
			"ID      TIMESTAMP                 TYPE                EMAIL                             REMOTE ADDRESS                           MESSAGE\n" +
				"a-0000  2026-11-01T12:00:00.000Z  LOGIN               user0@example.com                 198.51.100.1                             details 0\n", ""},
		{"no v2 on this tenant", missing.env(), []string{"audits"}, exitAPI, 0, "", "may not have the v2 audit API"},
		{"bad type", srv.env(), []string{"audits", "--type", "logon"}, exitUsage, 0, "", `--type "logon" is not one of LOGIN, LOGOUT, LOGIN_FAILED`},
		{"demo", demo, []string{"--demo", "audits", "--limit", "40"}, exitOK, 40, `"userId":"`, "demo: reading a generated Risk Cloud"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cmd, stderr := command(t, tt.env, tt.args...)
			stdout, code := exitCode(t, cmd)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tt.code, stderr)
			}
			if n := strings.Count(stdout, "\n"); n != tt.lines {
				t.Errorf("%d lines, want %d:\n%s", n, tt.lines, stdout)
			}
			if !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stdout:\n%s\nstderr:\n%s\nwant %q in stdout and %q in stderr", stdout, stderr, tt.stdout, tt.stderr)
			}
			if tt.name == "demo" {
				for i, line := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
					if !strings.Contains(line, `"id":"`) || !strings.Contains(line, `"email":"`) {
						t.Errorf("demo line %d lacks an id or a user's email: %s", i, line)
					}
				}
			}
		})
	}
}
