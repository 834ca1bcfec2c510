package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
	"go.uber.org/goleak"
)

// TestMain fails the package if a run leaves a goroutine behind (an
// in-process run must close its connections), and removes the binary the
// subprocess tests built.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) {
		if binDir != "" {
			os.RemoveAll(binDir)
		}
	}))
}

// result is what a run of the command left.
type result struct {
	code           int
	stdout, stderr string
}

// harness runs the command in-process, with what a test may vary.
type harness struct {
	env       map[string]string
	stdoutTTY bool
	stderrTTY bool
	now       func() time.Time // default time.Now
	ctx       context.Context  // default context.Background()
	// serve replaces runServe, for a test of the serve command's flags.
	serve func(ctx context.Context, cfg serveConfig, stdout, stderr io.Writer) error
	// writerConfig, when set, receives the configuration of the run's
	// entry writer.
	writerConfig *writerConfig
}

// run runs the command with args and checks that no credential reached its
// output: the environment's token and secret, and any token in the cache.
// XDG_CACHE_HOME is a fresh temporary directory unless env sets one, so
// that no test touches the real cache.
func (h harness) run(t *testing.T, args ...string) result {
	t.Helper()
	env := map[string]string{}
	for k, v := range h.env {
		env[k] = v
	}
	if env["XDG_CACHE_HOME"] == "" {
		env["XDG_CACHE_HOME"] = t.TempDir()
	}
	var stdout, stderr bytes.Buffer
	c := &cli{
		stdout: &stdout,
		stderr: &stderr,
		getenv: func(k string) string { return env[k] },
		isTerminal: func(w io.Writer) bool {
			return (w == &stdout && h.stdoutTTY) || (w == &stderr && h.stderrTTY)
		},
		now:       h.now,
		retryWait: [2]time.Duration{time.Millisecond, time.Millisecond},
		serve:     h.serve,
	}
	if c.serve == nil {
		c.serve = runServe
	}
	c.newWriter = newEntryWriter
	if h.writerConfig != nil {
		c.newWriter = func(format string, w io.Writer, cfg writerConfig) entryWriter {
			*h.writerConfig = cfg
			return newEntryWriter(format, w, cfg)
		}
	}
	if c.now == nil {
		c.now = time.Now
	}
	ctx := h.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	res := result{code: c.run(ctx, args)}
	res.stdout, res.stderr = stdout.String(), stderr.String()
	secrets := []string{env[envToken], env[envClientSecret]}
	secrets = append(secrets, cachedTokens(t, env["XDG_CACHE_HOME"])...)
	assertNoSecrets(t, res, secrets...)
	return res
}

// assertNoSecrets fails t if any non-empty secret appears in the output.
func assertNoSecrets(t *testing.T, res result, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s == "" {
			continue
		}
		if strings.Contains(res.stdout, s) || strings.Contains(res.stderr, s) {
			t.Errorf("a credential (%d bytes) appears in the output", len(s))
		}
	}
}

// cachedTokens returns the tokens held in the cache under root.
func cachedTokens(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	for _, f := range cacheFiles(t, root) {
		if fi, err := os.Stat(f); err == nil && fi.IsDir() {
			continue // put in the way by a test
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var ct cachedToken
		if json.Unmarshal(data, &ct) == nil && ct.AccessToken != "" {
			out = append(out, ct.AccessToken)
		}
	}
	return out
}

// cacheFiles lists the token files under the cache root.
func cacheFiles(t *testing.T, root string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, name, "token-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// newServer starts a fake Risk Cloud that the test closes.
func newServer(t *testing.T, opts ...riskcloudtest.Option) *riskcloudtest.Server {
	t.Helper()
	srv := riskcloudtest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv
}

// tokenEnv is the environment of a run against srv with its static token.
func tokenEnv(srv *riskcloudtest.Server) map[string]string {
	return map[string]string{envURL: srv.URL, envToken: srv.Token}
}

// jsonLines parses stdout as JSON lines, failing t on a line that is not a
// complete JSON object.
func jsonLines(t *testing.T, stdout string) []jsonRecord {
	t.Helper()
	if stdout == "" {
		return nil
	}
	if !strings.HasSuffix(stdout, "\n") {
		t.Fatalf("output does not end with a newline: %q", tail(stdout))
	}
	var out []jsonRecord
	for i, line := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		var rec jsonRecord
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil {
			t.Fatalf("line %d is not a JSON record: %v: %q", i+1, err, line)
		}
		out = append(out, rec)
	}
	return out
}

func tail(s string) string { return s[max(0, len(s)-80):] }

// The binary, built once for the tests that run it as a subprocess.
var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

// binary returns the path of the command built from this package.
func binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			binErr = fmt.Errorf("no go command to build with: %w", err)
			return
		}
		binDir, binErr = os.MkdirTemp("", name+"-test-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, name)
		out, err := exec.Command(goTool, "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// entriesAt returns n alternating logins and failures, a minute apart,
// the newest at end.
func entriesAt(n int, end time.Time) []riskcloud.Entry {
	out := make([]riskcloud.Entry, n)
	for i := range out {
		e := riskcloud.Entry{
			Type:          riskcloud.Login,
			Timestamp:     end.Add(-time.Duration(i) * time.Minute),
			RemoteAddress: fmt.Sprintf("198.51.100.%d", 1+i%250),
		}
		if i%2 == 1 {
			e.Type, e.Message = riskcloud.LoginFail, "Bad credentials"
		}
		out[i] = e
	}
	return out
}
