// Command render-worker renders Helm charts like `helm template`, many per process.
//
// It reads one JSON request per line on stdin and writes one JSON response per line on
// stdout, tagged with the request's id; requests are rendered concurrently, so responses may
// come back in another order. It is built from helm.sh/helm/v4 and follows the code path of
// `helm template` (pkg/cmd/template.go, runInstall) step by step: client-only dry run, the
// default capabilities with --kube-version/--api-versions applied, an empty `lookup`, CRDs
// from crds/ when include_crds is set, hooks appended after the manifest, test hooks dropped
// when skip_tests is set. Its output is byte-for-byte what the CLI prints to stdout.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/loader"
	"helm.sh/helm/v4/pkg/cli"
	"helm.sh/helm/v4/pkg/cli/values"
	"helm.sh/helm/v4/pkg/getter"
	release "helm.sh/helm/v4/pkg/release/v1"
)

// request is one `helm template RELEASE CHART -f VALUES... --namespace NS ...`, or with
// kind "kustomize" one `kubectl kustomize DIR`.
type request struct {
	ID          int64    `json:"id"`
	Kind        string   `json:"kind"`
	Dir         string   `json:"dir"`
	Release     string   `json:"release"`
	Chart       string   `json:"chart"`
	ValuesFiles []string `json:"values_files"`
	Namespace   string   `json:"namespace"`
	KubeVersion string   `json:"kube_version"`
	APIVersions []string `json:"api_versions"`
	IncludeCRDs bool     `json:"include_crds"`
	SkipTests   bool     `json:"skip_tests"`
}

type response struct {
	ID       int64  `json:"id"`
	Manifest string `json:"manifest,omitempty"`
	Error    string `json:"error,omitempty"`
}

// hello is the first line the worker prints: what it is, so the caller can key caches by it.
type hello struct {
	Worker           string `json:"worker"`
	HelmVersion      string `json:"helm_version"`
	KustomizeVersion string `json:"kustomize_version"`
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "version" {
		fmt.Println(helmVersion())
		return
	}
	// helm logs warnings (deprecated charts, ...) through slog; stdout is the protocol.
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	settings := cli.New()
	getters := getter.All(settings)

	out := json.NewEncoder(os.Stdout)
	var writeMu sync.Mutex
	write := func(v any) {
		writeMu.Lock()
		defer writeMu.Unlock()
		if err := out.Encode(v); err != nil {
			os.Exit(1) // the caller went away
		}
	}
	write(hello{
		Worker:           "sbkube-ci-render-worker/1",
		HelmVersion:      helmVersion(),
		KustomizeVersion: kustomizeVersion(),
	})

	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	var wg sync.WaitGroup
	for {
		line, err := in.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var req request
			if jerr := json.Unmarshal(line, &req); jerr != nil {
				write(response{ID: -1, Error: "bad request: " + jerr.Error()})
			} else {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var manifest string
					var rerr error
					if req.Kind == "kustomize" {
						manifest, rerr = kustomize(req.Dir)
					} else {
						manifest, rerr = render(req, getters)
					}
					resp := response{ID: req.ID, Manifest: manifest}
					if rerr != nil {
						resp = response{ID: req.ID, Error: rerr.Error()}
					}
					write(resp)
				}()
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "render-worker: reading stdin:", err)
			break
		}
	}
	wg.Wait()
}

func render(req request, getters getter.Providers) (string, error) {
	opts := values.Options{ValueFiles: req.ValuesFiles}
	vals, err := opts.MergeValues(getters)
	if err != nil {
		return "", err
	}
	chrt, err := loader.Load(req.Chart)
	if err != nil {
		return "", err
	}
	accessor, err := chart.NewAccessor(chrt)
	if err != nil {
		return "", err
	}
	switch accessor.MetadataAsMap()["Type"] {
	case "", "application":
	default:
		return "", fmt.Errorf("%s charts are not installable", accessor.MetadataAsMap()["Type"])
	}
	if deps := accessor.MetaDependencies(); len(deps) > 0 {
		if err := action.CheckDependencies(chrt, deps); err != nil {
			return "", fmt.Errorf("an error occurred while checking for chart dependencies. You may need to run 'helm dependency build' to fetch missing dependencies: %w", err)
		}
	}

	client := action.NewInstall(action.NewConfiguration())
	if req.KubeVersion != "" {
		kv, err := common.ParseKubeVersion(req.KubeVersion)
		if err != nil {
			return "", fmt.Errorf("invalid kube version '%s': %w", req.KubeVersion, err)
		}
		client.KubeVersion = kv
	}
	client.DryRunStrategy = action.DryRunClient
	client.ReleaseName = req.Release
	client.Replace = true
	client.APIVersions = common.VersionSet(splitAPIVersions(req.APIVersions))
	client.IncludeCRDs = req.IncludeCRDs
	client.Namespace = req.Namespace

	released, err := client.RunWithContext(context.Background(), chrt, vals)
	if err != nil {
		return "", err
	}
	var rel *release.Release
	switch r := released.(type) {
	case *release.Release:
		rel = r
	case release.Release:
		rel = &r
	default:
		return "", fmt.Errorf("unsupported release type: %T", released)
	}
	var manifests bytes.Buffer
	fmt.Fprintln(&manifests, strings.TrimSpace(rel.Manifest))
	for _, hook := range rel.Hooks {
		if req.SkipTests && slices.Contains(hook.Events, release.HookTest) {
			continue
		}
		fmt.Fprintf(&manifests, "---\n# Source: %s\n%s\n", hook.Path, hook.Manifest)
	}
	return manifests.String(), nil
}

// splitAPIVersions accepts repeated and comma-separated values, as --api-versions does.
func splitAPIVersions(given []string) []string {
	var all []string
	for _, item := range given {
		for _, part := range strings.Split(item, ",") {
			if part != "" {
				all = append(all, part)
			}
		}
	}
	return all
}
