package main

// The command tree. Cobra parses flags after the command (and, with
// normalizeArgs, before it), prints per-command help and writes the shell
// completion scripts; the commands' work is in list.go and serve.go.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// listCommands are the commands that list entries, with what each lists.
var listCommands = []struct{ use, short string }{
	{"attempts EMAIL", "one user's logins and failed logins"},
	{"logins", "every successful login"},
	{"failures", "every failed login"},
	{auditsCommand, "every user's logins, logouts, failed logins and rolled credentials, from the v2 (beta) API"},
}

// codeError carries a command's exit code out of cobra, once the command
// has said what went wrong.
type codeError struct{ code int }

func (e codeError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// exit returns nil for exitOK and a codeError otherwise.
func exit(code int) error {
	if code == exitOK {
		return nil
	}
	return codeError{code}
}

// newRootCommand returns the command tree of one run, writing to c's
// stdout and stderr.
func (c *cli) newRootCommand(ctx context.Context) *cobra.Command {
	var showVersion bool
	root := &cobra.Command{
		Use:           name,
		Short:         "Print the access audit of a LogicGate Risk Cloud instance",
		SilenceErrors: true, // run reports errors, with its own prefix and exit code
		SilenceUsage:  true,
		Args:          cobra.ArbitraryArgs, // so that run names an unknown command itself
		// A listing flag with no command (--demo alone) is a missing
		// command, not an unknown flag.
		FParseErrWhitelist: cobra.FParseErrWhitelist{UnknownFlags: true},
		RunE: func(_ *cobra.Command, args []string) error {
			switch {
			case showVersion:
				fmt.Fprintln(c.stdout, versionLine(c.build))
				return nil
			case len(args) == 0:
				return usagef("missing command: attempts EMAIL, logins, failures, audits or serve")
			}
			return usagef("unknown command %q; want attempts EMAIL, logins, failures, audits or serve", args[0])
		},
	}
	root.Flags().BoolVar(&showVersion, "version", false, "print the version and the VCS revision it was built from")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return flagError(err) })
	root.SetOut(c.stdout)
	root.SetErr(c.stderr)
	root.SetContext(ctx)
	for _, lc := range listCommands {
		root.AddCommand(c.newListCommand(lc.use, lc.short))
	}
	root.AddCommand(c.newServeCommand())
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	if completion, _, err := root.Find([]string{"completion"}); err == nil {
		completion.Short = "a completion script for bash, zsh, fish or powershell"
	}
	defaultHelp := root.HelpFunc()
	root.SetHelpFunc(func(cmd *cobra.Command, args []string) {
		if cmd.Annotations["help"] == "" && cmd != root {
			defaultHelp(cmd, args) // completion and help: cobra's own
			return
		}
		io.WriteString(c.stdout, helpText(cmd))
	})
	return root
}

// invalidFlagRE matches pflag's error for a value it cannot parse.
var invalidFlagRE = regexp.MustCompile(`^invalid argument (".*") for "(.*)" flag: (.*)$`)

// flagError words pflag's parse errors for a user: "--limit "ten" is not
// a whole number" rather than strconv's "parsing "ten": invalid syntax".
func flagError(err error) error {
	m := invalidFlagRE.FindStringSubmatch(err.Error())
	if m == nil {
		return usagef("%v", err)
	}
	flagName, value, why := m[2], m[1], m[3]
	if i := strings.LastIndex(flagName, "--"); i >= 0 {
		flagName = flagName[i:] // "-o, --format": the long name
	}
	switch {
	case strings.Contains(why, "strconv.ParseInt"):
		why = "is not a whole number"
	case strings.Contains(why, "strconv.Parse"):
		why = "is not a number"
	case strings.Contains(why, "time: "):
		why = "is not a duration such as 500ms, 30s or 2m"
	default:
		why = "is not valid: " + why
	}
	return usagef("%s %s %s", flagName, value, why)
}

// newListCommand returns attempts, logins, failures or audits.
func (c *cli) newListCommand(use, short string) *cobra.Command {
	o := &options{command: strings.Fields(use)[0]}
	nargs := 0
	if o.command == "attempts" {
		nargs = 1
	}
	cmd := &cobra.Command{
		Use:         use + " [flags]",
		Short:       short,
		Annotations: map[string]string{"help": "list"},
		Args:        exactArgs(use, nargs),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if nargs == 1 {
				o.email = args[0]
			}
			note := func(s string) { fmt.Fprintf(c.stderr, "%s: %s\n", name, s) }
			if err := o.check(cmd.Flags(), c.now(), note); err != nil {
				return err
			}
			return exit(c.runList(cmd.Context(), o))
		},
	}
	o.addListFlags(cmd.Flags(), nargs == 0 && o.command != auditsCommand)
	if o.command == auditsCommand {
		o.addAuditFlags(cmd.Flags())
		registerAuditCompletions(cmd)
	}
	cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(formats, cobra.ShellCompDirectiveNoFileComp))
	registerFeedCompletions(cmd)
	return cmd
}

// exactArgs accepts n arguments (0, or attempts' EMAIL), saying what is
// missing or extra in the words of the old command line.
func exactArgs(use string, n int) cobra.PositionalArgs {
	command := strings.Fields(use)[0]
	return func(_ *cobra.Command, args []string) error {
		switch {
		case len(args) < n:
			return usagef("%s needs the EMAIL of the user whose logins to list", command)
		case len(args) > n:
			return usagef("unexpected argument %q after %s", args[n], strings.Join(append([]string{command}, args[:n]...), " "))
		}
		return nil
	}
}

// newServeCommand returns serve, which runs riskcloudtest's fake as a
// server for programs other than this one.
func (c *cli) newServeCommand() *cobra.Command {
	var cfg serveConfig
	cmd := &cobra.Command{
		Use:         "serve [flags]",
		Short:       "serve a generated Risk Cloud over HTTP, for testing other programs",
		Annotations: map[string]string{"help": "serve"},
		Args:        exactArgs("serve", 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case cfg.entries < 0:
				return usagef("--entries must not be negative")
			case cfg.arrivalsPerMinute < 0:
				return usagef("--arrivals must not be negative (0: the log does not grow)")
			case cfg.latency < 0:
				return usagef("--latency must not be negative")
			}
			err := c.serve(cmd.Context(), cfg, c.stdout, c.stderr)
			var usage *usageError
			if errors.As(err, &usage) {
				return err // a flag that cannot be served: exit 2, as any usage error
			}
			if err != nil {
				fmt.Fprintf(c.stderr, "%s: serve: %v\n", name, err)
				return exit(exitAPI)
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:8080", "the `HOST:PORT` to listen on (port 0: any free port)")
	fs.IntVar(&cfg.entries, "entries", demoEntries, "generated entries to start with, one a minute up to now")
	fs.Int64Var(&cfg.seed, "seed", demoSeed, "the generator's seed: the same seed, the same log")
	fs.Float64Var(&cfg.arrivalsPerMinute, "arrivals", 0, "new entries a minute while serving, `PER_MINUTE` (0: none)")
	fs.DurationVar(&cfg.latency, "latency", 0, "added to every response, such as 20ms")
	return cmd
}

// normalizeArgs lets the old command line through cobra: a long flag with
// one dash (-limit 5, -help: Go's flag package took those) gets two, and
// the command moves first, so that flags before it (--demo logins) reach
// it. cobra finds a command by skipping the flags that its root knows, and
// the listing flags belong to the listing commands. Completion requests
// (__complete) pass unchanged. flags maps each long flag of any command to
// whether it takes a value.
func normalizeArgs(args []string, commands map[string]bool, flags map[string]bool) []string {
	if len(args) > 0 && strings.HasPrefix(args[0], "__complete") {
		return args
	}
	out := make([]string, 0, len(args))
	command := -1
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return endOfFlags(moveFirst(out, command), args[i+1:], command >= 0, commands)
		}
		if flagName, hasValue := splitFlag(a); flagName != "" {
			a, takesNext := normalizeFlag(a, flagName, hasValue, flags)
			out = append(out, a)
			if takesNext && i+1 < len(args) {
				i++
				out = append(out, args[i]) // the flag's value, whatever it looks like
			}
			continue
		}
		if command < 0 && commands[a] {
			command = len(out)
		}
		out = append(out, a)
	}
	return moveFirst(out, command)
}

// moveFirst moves args[i] to the front (i < 0: none).
func moveFirst(args []string, i int) []string {
	if i <= 0 {
		return args
	}
	return append(append([]string{args[i]}, args[:i]...), args[i+1:]...)
}

// endOfFlags returns the arguments up to "--" (done), then "--" and rest.
// Without a command before it, the command may follow it, as the old
// loop allowed: -- attempts -bob@example.com.
func endOfFlags(done, rest []string, hasCommand bool, commands map[string]bool) []string {
	if !hasCommand && len(rest) > 0 && commands[rest[0]] {
		return append(append([]string{rest[0]}, done...), append([]string{"--"}, rest[1:]...)...)
	}
	return append(append(done, "--"), rest...)
}

// normalizeFlag returns flag argument a with two dashes if it is a known
// long flag with one, and whether the next argument is its value: --limit
// 5 and -o csv, not -ocsv or --limit=5.
func normalizeFlag(a, flagName string, hasValue bool, flags map[string]bool) (string, bool) {
	long := strings.HasPrefix(a, "--")
	if _, known := flags[flagName]; known && !long && len(flagName) > 1 {
		a, long = "-"+a, true
	}
	return a, flags[flagName] && !hasValue && (long || len(flagName) == 1)
}

// splitFlag returns the name of the flag a is ("" if a is not a flag) and
// whether a carries its value after "=".
func splitFlag(a string) (flagName string, hasValue bool) {
	if len(a) < 2 || a[0] != '-' {
		return "", false
	}
	flagName = strings.TrimLeft(a, "-")
	flagName, _, hasValue = strings.Cut(flagName, "=")
	return flagName, hasValue
}

// flagShapes returns the command names under root (its aliases included)
// and every long flag with whether it takes a value.
func flagShapes(root *cobra.Command) (commands, flags map[string]bool) {
	commands, flags = map[string]bool{}, map[string]bool{"help": false, "h": false}
	for _, cmd := range root.Commands() {
		commands[cmd.Name()] = true
		for _, a := range cmd.Aliases {
			commands[a] = true
		}
		cmd.Flags().VisitAll(func(f *pflag.Flag) { addFlagShape(flags, f) })
	}
	root.Flags().VisitAll(func(f *pflag.Flag) { addFlagShape(flags, f) })
	return commands, flags
}

// addFlagShape records f under its name and its shorthand.
func addFlagShape(flags map[string]bool, f *pflag.Flag) {
	flags[f.Name] = f.NoOptDefVal == ""
	if f.Shorthand != "" {
		flags[f.Shorthand] = f.NoOptDefVal == ""
	}
}
