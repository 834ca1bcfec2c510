package riskcloudtest_test

import (
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

func TestRegisterResponders(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"https://acme.logicgate.com", "https://proxy.example.com/riskcloud/"} {
		mt := httpmock.NewMockTransport()
		riskcloudtest.RegisterResponders(mt, base, logins(55))
		hc := &http.Client{Transport: mt}

		c, err := riskcloud.NewClient(base, riskcloud.WithToken("any-token"), riskcloud.WithHTTPClient(hc))
		if err != nil {
			t.Fatal(err)
		}
		got, err := walk(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 10}))
		if err != nil || !slices.Equal(addrs(got), addrs(logins(55))) {
			t.Errorf("%s: %d entries, %v", base, len(got), err)
		}
		if n := mt.GetTotalCallCount(); n != 6 {
			t.Errorf("%s: %d calls, want 6 pages", base, n)
		}
		if got, _ := walk(t, c.AccessAudit.Attempts(riskcloudtest.DefaultEmail, nil)); len(got) != 55 {
			t.Errorf("%s: attempts: %d entries", base, len(got))
		}

		creds, _ := riskcloud.NewClient(base, riskcloud.WithClientCredentials("any", "thing"), riskcloud.WithHTTPClient(hc))
		if got, err := walk(t, creds.AccessAudit.Failures(nil)); err != nil || len(got) != 0 {
			t.Errorf("%s: with client credentials: %d, %v", base, len(got), err)
		}

		none, _ := riskcloud.NewClient(base, riskcloud.WithHTTPClient(hc))
		if _, err := walk(t, none.AccessAudit.Logins(nil)); !errors.Is(err, riskcloud.ErrUnauthorized) {
			t.Errorf("%s: without a token: %v", base, err)
		}
	}
}
