package main

import (
	"runtime/debug"
)

// helmVersion is the version of the helm.sh/helm/v4 module this worker is built from.
func helmVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, dep := range info.Deps {
		if dep.Path == "helm.sh/helm/v4" {
			return dep.Version
		}
	}
	return "unknown"
}
