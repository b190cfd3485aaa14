package main

import (
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// kustomize builds dir as `kubectl kustomize DIR` does (kustomize/v5 commands/build with no
// flags): default options, legacy ordering unless the kustomization says otherwise
// (ReorderOptionUnspecified), root-only load restrictions, plugins and helm disabled.
func kustomize(dir string) (string, error) {
	options := krusty.MakeDefaultOptions()
	options.Reorder = krusty.ReorderOptionUnspecified
	resources, err := krusty.MakeKustomizer(options).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return "", err
	}
	out, err := resources.AsYaml()
	if err != nil {
		return "", err
	}
	return string(out), nil
}
