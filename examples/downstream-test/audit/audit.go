// Package audit stands for your own code: code that takes a
// *riskcloud.Client and does something with the access audit. Its test,
// audit_test.go, shows the two ways to test such code without a Risk Cloud
// account or a network.
package audit

import (
	"context"
	"time"

	"github.com/riskcloud-go/riskcloud"
)

// FailuresByAddress counts the failed logins at or after since by remote
// address.
func FailuresByAddress(ctx context.Context, c *riskcloud.Client, since time.Time) (map[string]int, error) {
	counts := make(map[string]int)
	opts := &riskcloud.ListOptions{Since: since, Size: 500}
	for e, err := range c.AccessAudit.Failures(opts).All(ctx) {
		if err != nil {
			return nil, err
		}
		counts[e.RemoteAddress]++
	}
	return counts, nil
}
