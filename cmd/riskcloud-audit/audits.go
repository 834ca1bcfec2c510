package main

// audits: the v2 access audit (beta), which names the user of each entry,
// gives it an id, and filters on the server by user, type and time.

import (
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"unicode"

	"github.com/riskcloud-go/riskcloud"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// auditsCommand is the v2 listing's name.
const auditsCommand = "audits"

// auditTypes are the values of --type, as the API spells them (lower case
// is accepted too).
var auditTypes = []string{string(riskcloud.AuditLogin), string(riskcloud.AuditLogout), string(riskcloud.AuditLoginFailed),
	string(riskcloud.AuditCredentialsRolled), string(riskcloud.AuditTokenRolled), string(riskcloud.AuditOther)}

// auditFlags are the filters only audits has; the server applies them.
type auditFlags struct {
	typ        string // as given; check makes it upper case
	userEmail  string // --user
	emailAlias string // --email, the same filter under v1's name
	userID     string
}

// addAuditFlags defines audits' own flags on fs, bound to o.
//
// --email is accepted as a hidden alias of --user: logins and failures
// name the same filter --email, the command-line contract lists --email
// among the flags that work after a listing command, and a script moving
// from logins --email to audits should not break. It is hidden so that the
// help names the filter once, by v2's name.
func (o *options) addAuditFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.audit.typ, "type", "", "only entries of this `TYPE`: "+strings.Join(auditTypes, ", ")+" (lower case too)")
	fs.StringVar(&o.audit.userEmail, "user", "", "only the entries of the user with this `EMAIL`")
	fs.StringVar(&o.audit.userID, "user-id", "", "only the entries of the user with this `ID`")
	fs.StringVar(&o.audit.emailAlias, "email", "", "the same as --user")
	fs.MarkHidden("email")
}

// registerAuditCompletions completes --type from its values.
func registerAuditCompletions(cmd *cobra.Command) {
	cmd.RegisterFlagCompletionFunc("type", cobra.FixedCompletions(auditTypes, cobra.ShellCompDirectiveNoFileComp))
	for _, f := range []string{"user", "user-id", "email"} {
		cmd.RegisterFlagCompletionFunc(f, cobra.NoFileCompletions)
	}
}

// checkAudit validates audits' filters before any request, as the SDK
// would, but in the words of the flags.
func (o *options) checkAudit(fs *pflag.FlagSet) error {
	a := &o.audit
	if fs.Changed("email") {
		if fs.Changed("user") {
			return usagef("--email and --user are the same filter: give one (--user, as v2 names it)")
		}
		a.userEmail = a.emailAlias
		if err := checkUserEmail("--email", a.userEmail); err != nil {
			return err
		}
	}
	if fs.Changed("user") {
		if err := checkUserEmail("--user", a.userEmail); err != nil {
			return err
		}
	}
	switch {
	case fs.Changed("user-id") && a.userID == "":
		return usagef("--user-id is empty: leave it out for every user's entries")
	case strings.ContainsFunc(a.userID, notGraphic):
		return usagef("--user-id contains a control or invisible character")
	}
	if fs.Changed("type") {
		upper := strings.ToUpper(a.typ)
		if !slices.Contains(auditTypes, upper) {
			return usagef("--type %q is not one of %s (lower case is accepted too)", a.typ, strings.Join(auditTypes, ", "))
		}
		a.typ = upper
	}
	return nil
}

// checkUserEmail checks the email of --user (or --email) as the SDK does:
// one bare address, nothing invisible. It never quotes the address.
func checkUserEmail(flagName, email string) error {
	if email == "" {
		return usagef("%s is empty: leave it out for every user's entries", flagName)
	}
	if strings.ContainsFunc(email, notGraphic) {
		return usagef("%s contains a control or invisible character", flagName)
	}
	if addr, err := mail.ParseAddress(email); err != nil || addr.Name != "" || addr.Address != email {
		return usagef("%s is not a single bare email address such as user@example.com", flagName)
	}
	return nil
}

// notGraphic reports a rune that would hide in a terminal or a log: a
// control, a format character such as a bidi override, or an unassigned
// one.
func notGraphic(r rune) bool { return !unicode.IsGraphic(r) }

// auditPager returns the v2 listing o asks for.
func auditPager(client *riskcloud.Client, o *options) *riskcloud.Pager[riskcloud.AccessAudit] {
	return client.Audits.Access(&riskcloud.AccessAuditOptions{
		UserID: o.audit.userID, UserEmail: o.audit.userEmail, Type: riskcloud.AccessAuditType(o.audit.typ),
		Since: o.walk.since, Until: o.walk.until,
		Size: o.walk.size, Limit: o.walk.limit, Prefetch: o.walk.prefetch,
	})
}

// auditsNotFound explains a 404 from the v2 endpoint: most often a tenant
// without the v2 (beta) API, which v1 then serves; a wrong URL answers 404
// to v1 too.
func (c *cli) auditsNotFound(o *options) {
	// The SDK's error has said that the tenant may lack v2; what to do here
	// is the command line's to say.
	fmt.Fprintf(c.stderr, "%s: the v1 commands logins, failures and attempts EMAIL read the v1 API, which every tenant has; if they answer 404 too, the URL (%s) or its path prefix is wrong\n",
		name, o.conn.urlFrom)
}

// sdkFlagNames maps the SDK's names for audits' options to their flags,
// for an input the SDK refuses that checkAudit let through.
var sdkFlagNames = map[string]string{
	"AccessAuditOptions.UserEmail": "--user",
	"AccessAuditOptions.UserID":    "--user-id",
	"AccessAuditOptions.Type":      "--type",
	"AccessAuditOptions.Since":     "--since",
	"AccessAuditOptions.Until":     "--until",
	"AccessAuditOptions.Size":      "--size",
	"AccessAuditOptions.Limit":     "--limit",
	"AccessAuditOptions.Prefetch":  "--prefetch",
}

// auditArgumentError rewords an input error of the SDK in the flags' names,
// or returns "" when err is none or names no flag.
func auditArgumentError(err error) string {
	var arg *riskcloud.ArgumentError
	if !errors.As(err, &arg) {
		return ""
	}
	flagName, ok := sdkFlagNames[arg.Name]
	if !ok {
		return ""
	}
	problem := arg.Problem
	for sdk, flag := range sdkFlagNames {
		problem = strings.ReplaceAll(problem, sdk, flag)
	}
	return flagName + " " + problem
}
