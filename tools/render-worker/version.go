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

// kustomizeVersions maps the sigs.k8s.io/kustomize/api module to the kustomize release that
// pins it (its kustomize/v5 go.mod), the version `kubectl version` reports.
var kustomizeVersions = map[string]string{
	"v0.21.1": "v5.8.1",
}

// kustomizeVersion is the kustomize release this worker's kustomize/api belongs to, or
// "api <version>" when the mapping does not know it (then sbkube-ci keeps kubectl).
func kustomizeVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, dep := range info.Deps {
		if dep.Path == "sigs.k8s.io/kustomize/api" {
			if release, known := kustomizeVersions[dep.Version]; known {
				return release
			}
			return "api " + dep.Version
		}
	}
	return "unknown"
}
