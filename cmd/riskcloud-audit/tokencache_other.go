//go:build !unix

package main

// cacheOpenFlags are none where there are no FIFOs and os.Lstat, which
// Load calls first, reports symbolic links.
const cacheOpenFlags = 0
