package riskcloudtest

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/jarcoal/httpmock"
	"github.com/riskcloud-go/riskcloud"
)

// RegisterResponders serves entries (filed under [DefaultEmail], as
// [Server.Add] does) at baseURL through mt: the three v1 access-audit
// endpoints and the v2 one with Risk Cloud's pages and errors, and the token
// exchange.
// Any non-empty bearer token is accepted, and any client ID and secret
// exchanged. baseURL may carry a path prefix.
//
// Give the transport to the client with riskcloud.WithHTTPClient;
// httpmock.Activate does not reach the SDK's own transport.
func RegisterResponders(mt *httpmock.MockTransport, baseURL string, entries []riskcloud.Entry) {
	s := newServer()
	s.cfg.anyToken = true
	s.log.add(DefaultEmail, nil, entries)
	base := strings.TrimSuffix(baseURL, "/")
	if u, err := url.Parse(base); err == nil {
		s.cfg.prefix = u.Path
	}
	respond := inProcess{s}.RoundTrip
	for _, p := range []string{attemptsPath, loginsPath, failuresPath, auditsPath} {
		mt.RegisterResponder(http.MethodGet, base+p, respond)
	}
	mt.RegisterResponder(http.MethodPost, base+tokenPath, respond)
}
