package main

// The client of a run: the demo's, or the instance's that the environment
// names, with errors that name the variable or flag to fix.

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// demoClient serves a generated log in-process, its newest entry now.
func (c *cli) demoClient(o *options, logger *slog.Logger) (*riskcloud.Client, func()) {
	srv := riskcloudtest.NewServer()
	fillDemo(srv, demoEntries, demoSeed, c.now())
	fmt.Fprintf(c.stderr, "%s: demo: reading a generated Risk Cloud served in-process\n", name)
	hc := srv.HTTPClient()
	hc.Timeout = o.conn.timeout
	return srv.Client(append(c.sdkOptions(o, hc, logger), c.clientOpts...)...), srv.Close
}

// fillDemo files the generated log of the demo and of serve: n v1 entries,
// the newest at end, and the audits only v2 serves that go with them
// (logouts, rolled tokens and credentials), so that audits shows every type.
func fillDemo(srv *riskcloudtest.Server, n int, seed int64, end time.Time) {
	entries := riskcloudtest.GenerateAt(n, seed, end)
	srv.Add(entries...)
	srv.AddAudits(riskcloudtest.GenerateActivity(entries, seed)...)
}

// sdkOptions are the options of every run's client but its credentials.
func (c *cli) sdkOptions(o *options, hc *http.Client, logger *slog.Logger) []riskcloud.Option {
	return []riskcloud.Option{
		riskcloud.WithHTTPClient(hc),
		riskcloud.WithUserAgent(name),
		riskcloud.WithLogger(logger),
		riskcloud.WithRetry(o.conn.retries, c.retryWait[0], c.retryWait[1]),
	}
}

// client builds the client of the instance the environment names. Its
// errors are configuration problems (exit 2), name the variable or flag
// to fix, and never quote a credential.
func (c *cli) client(o *options, logger *slog.Logger) (*riskcloud.Client, *fileTokenCache, func(), error) {
	baseURL, urlFrom := o.conn.url, "--url"
	if baseURL == "" {
		baseURL, urlFrom = c.getenv(envURL), envURL
	}
	o.conn.urlFrom = urlFrom
	if baseURL == "" {
		return nil, nil, nil, usagef("set %s (or pass --url) to your instance, e.g. https://acme.logicgate.com", envURL)
	}
	if u, err := url.Parse(baseURL); err == nil && u.User != nil {
		return nil, nil, nil, usagef("%s holds a user name or password: remove it; credentials come from %s, or %s and %s",
			urlFrom, envToken, envClientID, envClientSecret)
	}
	creds, id, secret, err := c.credentials()
	if err != nil {
		return nil, nil, nil, err
	}

	base := http.DefaultTransport.(*http.Transport).Clone()
	// The default pool keeps two idle connections per host; a walk keeps
	// --prefetch requests ahead of the page being written, plus that page's,
	// and would otherwise close and dial connections all the way through.
	base.MaxIdleConnsPerHost = max(o.walk.prefetch+1, 2)
	hc := &http.Client{Transport: base, Timeout: o.conn.timeout}
	all := append(c.sdkOptions(o, hc, logger), creds)
	var cache *fileTokenCache
	if id != "" && !o.conn.noTokenCache {
		if cache = newFileTokenCache(baseURL, id, secret, c.cacheDir, c.now); cache != nil {
			all = append(all, riskcloud.WithTokenCache(cache))
		}
	}
	client, err := riskcloud.NewClient(baseURL, append(all, c.clientOpts...)...)
	if err != nil {
		return nil, nil, nil, optionError(err, urlFrom)
	}
	// In-process runs (tests) must not leave the pool's goroutines behind.
	return client, cache, base.CloseIdleConnections, nil
}

// sdkNames maps the SDK's names in its option errors to what the user set.
var sdkNames = []struct{ sdk, user string }{
	{"baseURL", ""}, // the caller's urlFrom
	{"WithToken", envToken},
	{"WithClientCredentials", envClientID + " or " + envClientSecret},
}

// optionError rewords an error of riskcloud.NewClient in the names of the
// variables and flags the user set.
func optionError(err error, urlFrom string) error {
	msg := strings.TrimPrefix(err.Error(), "riskcloud: ")
	msg = strings.TrimPrefix(msg, "invalid argument: ")
	for _, n := range sdkNames {
		if rest, ok := strings.CutPrefix(msg, n.sdk+": "); ok {
			user := n.user
			if user == "" {
				user = urlFrom
			}
			return usagef("%s: %s", user, rest)
		}
	}
	return usagef("%s", msg)
}

// credentials returns the credentials option the environment sets, and the
// client ID and secret when it sets those.
func (c *cli) credentials() (creds riskcloud.Option, id, secret string, err error) {
	token, id, secret := c.getenv(envToken), c.getenv(envClientID), c.getenv(envClientSecret)
	for _, v := range []struct{ name, value string }{{envToken, token}, {envClientID, id}, {envClientSecret, secret}} {
		if err := checkCredential(v.name, v.value); err != nil {
			return nil, "", "", err
		}
	}
	switch {
	case token != "" && (id != "" || secret != ""):
		return nil, "", "", usagef("both %s and %s/%s are set; unset one of them", envToken, envClientID, envClientSecret)
	case token != "":
		return riskcloud.WithToken(token), "", "", nil
	case id != "" && secret == "":
		return nil, "", "", usagef("%s is set but %s is not; set both", envClientID, envClientSecret)
	case id == "" && secret != "":
		return nil, "", "", usagef("%s is set but %s is not; set both", envClientSecret, envClientID)
	case id != "":
		return riskcloud.WithClientCredentials(id, secret), id, secret, nil
	}
	return nil, "", "", usagef("set %s, or %s and %s, to the credentials of a user with the Admin > All entitlement",
		envToken, envClientID, envClientSecret)
}

// checkCredential catches what the SDK would reject, or the server answer
// with a bare 401, in the words of the variable the user set. It never
// quotes the value.
func checkCredential(variable, value string) error {
	if len(value) >= 7 && strings.EqualFold(value[:7], "Bearer ") {
		return usagef(`%s starts with "Bearer ": drop the "Bearer " prefix and set the token alone`, variable)
	}
	if i := strings.IndexFunc(value, unicode.IsControl); i >= 0 {
		where := "contains a control character"
		if strings.TrimRight(value, "\r\n") != value {
			where = "ends with a newline, a control character"
		}
		return usagef("%s %s: set it without (for example %s=\"$(tr -d '\\r\\n' < FILE)\")", variable, where, variable)
	}
	if variable == envClientID && strings.Contains(value, ":") {
		return usagef("%s contains a colon, which Basic authentication cannot carry: set it to the client ID alone", variable)
	}
	if strings.TrimSpace(value) != value {
		return usagef("%s begins or ends with a space: set it without", variable)
	}
	return nil
}

// cacheDir is where exchanged tokens are kept. XDG_CACHE_HOME is read
// through getenv (os.UserCacheDir reads it too, on Linux, but from the
// process environment), so that a test's environment decides.
func (c *cli) cacheDir() (string, error) {
	if d := c.getenv("XDG_CACHE_HOME"); d != "" && filepath.IsAbs(d) {
		return d, nil
	}
	return os.UserCacheDir()
}
