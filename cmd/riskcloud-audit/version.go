package main

import (
	"runtime/debug"
	"strings"
)

// cliVersion is the module version the binary was built from: a release
// tag with go install, "(devel)" or a pseudo-version in a checkout.
func cliVersion(info *debug.BuildInfo) string {
	if info == nil || info.Main.Version == "" {
		return "(devel)"
	}
	return info.Main.Version
}

// versionLine is what --version prints: the name, the module version, and
// the VCS revision, its time and whether the tree had changes, when the
// build recorded them.
func versionLine(info *debug.BuildInfo) string {
	line := name + " " + cliVersion(info)
	if info == nil {
		return line
	}
	vcs := map[string]string{}
	for _, s := range info.Settings {
		vcs[s.Key] = s.Value
	}
	var parts []string
	if rev := vcs["vcs.revision"]; rev != "" {
		parts = append(parts, "revision "+rev)
	}
	if t := vcs["vcs.time"]; t != "" {
		parts = append(parts, t)
	}
	if vcs["vcs.modified"] == "true" {
		parts = append(parts, "modified")
	}
	if len(parts) > 0 {
		line += " (" + strings.Join(parts, ", ") + ")"
	}
	if info.GoVersion != "" {
		line += " " + info.GoVersion
	}
	return line
}
