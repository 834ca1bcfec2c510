package main

// The help text: each command's usage and flags (from cobra's flag sets,
// so that they cannot drift), then what every command shares.

import (
	"strings"

	"github.com/riskcloud-go/riskcloud/riskcloudtest"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// shortUsage is the reminder printed under a usage error.
func shortUsage(cmd *cobra.Command) string {
	if cmd == nil || !cmd.HasParent() {
		return "usage: " + name + " " + commandsLine + " [flags] (" + name + " --help for help)\n"
	}
	return "usage: " + cmd.UseLine() + " (" + cmd.CommandPath() + " --help for help)\n"
}

// commandsLine lists the commands, as the usage line names them.
const commandsLine = "attempts EMAIL | logins | failures | audits | serve"

// helpText is the help of root or of one of its commands.
func helpText(cmd *cobra.Command) string {
	var b strings.Builder
	switch {
	case !cmd.HasParent():
		b.WriteString("usage: " + name + " " + commandsLine + " [flags]\n\n" + rootIntro)
		// In the order of use, not cobra's alphabetical one.
		for _, sub := range []string{"attempts", "logins", "failures", auditsCommand, "serve", "completion"} {
			if sc, _, err := cmd.Find([]string{sub}); err == nil && sc != cmd {
				b.WriteString("  " + padRight(strings.TrimSuffix(sc.Use, " [flags]"), 19) + sc.Short + "\n")
			}
		}
		logins, _, _ := cmd.Find([]string{"logins"})
		b.WriteString("\nFlags of attempts, logins and failures (before or after the command; " + name + " COMMAND --help\nlists a command's own):\n")
		b.WriteString(logins.LocalFlags().FlagUsages())
		b.WriteString("  --version    " + cmd.Flags().Lookup("version").Usage + "\n")
		b.WriteString("\naudits takes these too (but --email: its filter is --user), and:\n" + auditsOwnFlags(cmd, logins))
	case cmd.Name() == auditsCommand:
		b.WriteString("usage: " + cmd.UseLine() + "\n\n" + auditsIntro + "\nFlags (before or after the command):\n")
		b.WriteString(cmd.LocalFlags().FlagUsages())
	case cmd.Annotations["help"] == "serve":
		b.WriteString("usage: " + cmd.UseLine() + "\n\n" + serveIntro + "\nFlags:\n" + cmd.LocalFlags().FlagUsages())
		return b.String()
	default:
		b.WriteString("usage: " + cmd.UseLine() + "\n\nPrints " + cmd.Short + ", newest first (oldest first with --state or --follow).\n\nFlags (before or after the command):\n")
		b.WriteString(cmd.LocalFlags().FlagUsages())
	}
	b.WriteString(sharedHelp)
	return b.String()
}

// auditsOwnFlags is the usage of the flags that audits has and logins
// has not.
func auditsOwnFlags(root, logins *cobra.Command) string {
	audits, _, err := root.Find([]string{auditsCommand})
	if err != nil {
		return ""
	}
	own := pflag.NewFlagSet(auditsCommand, pflag.ContinueOnError)
	audits.LocalFlags().VisitAll(func(f *pflag.Flag) {
		if logins.LocalFlags().Lookup(f.Name) == nil {
			own.AddFlag(f)
		}
	})
	return own.FlagUsages()
}

func padRight(s string, n int) string {
	return s + strings.Repeat(" ", max(n-len(s), 1))
}

const rootIntro = `Prints the access audit of a LogicGate Risk Cloud instance, newest first, or serves a
generated one. With --state FILE a run prints only what is new since the last, oldest first,
each entry once; --follow keeps printing new entries as they appear:
`

const auditsIntro = `Prints every user's access audit from the v2 API: logins, logouts, failed logins and rolled
credentials, each with its id and its user's id, name and email, in the server's order (the
API documents none). The server applies --type, --user, --user-id, --since and --until.
v2 is in beta (since Risk Cloud v2025.5.1) and not on every tenant: one without it answers
404, and the v1 commands (logins, failures, attempts EMAIL) read what it has.
`

const serveIntro = `Serves a generated Risk Cloud (the one --demo reads) over HTTP until SIGINT or SIGTERM, for
testing other programs: a Python script, a Filebeat or Vector configuration, a Postman
collection. Its first two lines on stdout are RISKCLOUD_URL=... and RISKCLOUD_TOKEN=..., ready
for eval; each request is logged on stderr. It serves every endpoint of the API, the token
exchange included, and v2's access audit. Its entries belong to ` + riskcloudtest.DefaultEmail + ` for
attempts, and to a few made-up users for audits, which also has their logouts and rolled tokens.
`

const sharedHelp = `
Environment (credentials are never taken from flags, which ps shows):
  RISKCLOUD_URL                                 the instance, unless --url
  RISKCLOUD_TOKEN                               a bearer token (without "Bearer "), or:
  RISKCLOUD_CLIENT_ID, RISKCLOUD_CLIENT_SECRET  client credentials, exchanged for a
                                                token that is cached (0600) in the
                                                user's cache directory, so that runs
                                                do not invalidate each other's token
The key's user needs the Admin > All entitlement.

Exit status: 0 success, 1 API or network error, 2 usage or configuration error,
130 on SIGINT (Ctrl-C) and 143 on SIGTERM (what was written is flushed, whole lines
only, and --state saved), 141 when the reader of stdout closed it (| head), quietly.
--follow ends with 0 on SIGINT or SIGTERM, its output flushed and --state saved.

Resuming (--state, --follow): every entry carries a stable "id" (v1: from its bytes and its
place among identical twins), the same in every run. A clean stop (the end of a run, SIGINT,
SIGTERM) saves the cursor just past the last entry written: the next run goes on from there,
each entry once. After kill -9 or a power cut, the entries written since the last save are
written again, with the same ids: deduplicate on "id". --since applies to the first run only.
One run at a time uses a state file (it locks FILE.lock): another does nothing and exits 1.

Examples:
  # failed logins of the last 24 hours, one JSON object per line
  ` + name + ` --format jsonl failures --since 24h | jq -r .remoteAddress | sort | uniq -c
  # the last week of logins, as CSV for a spreadsheet
  ` + name + ` --format csv logins --since 7d > logins.csv
  # a user's 20 latest attempts, as a table
  ` + name + ` --format table attempts alice@example.com --limit 20
  # a user's failed logins from the v2 API, with ids
  ` + name + ` audits --type login_failed --user alice@example.com --since 7d
  # ship new failed logins to a file every 5 minutes (cron): each entry once, oldest first
  ` + name + ` failures --state /var/lib/riskcloud/failures.state >> /var/log/riskcloud/failures.jsonl
  # follow the v2 audit as a service, resuming where it stopped
  ` + name + ` audits --state audits.state --follow --interval 1m --since 30d
  # try it with no account
  ` + name + ` --demo --format table failures --limit 10
  # completion for bash (also zsh, fish, powershell)
  source <(` + name + ` completion bash)
`
