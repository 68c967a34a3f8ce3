package deploy

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	psapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

// TestKustomizeNamespacesAndPodSecurity renders the base and every
// overlay: every object but the Namespace is in that namespace, and every
// pod template is admitted by the Pod Security level the namespace
// enforces (the admission controller's own checks,
// k8s.io/pod-security-admission), and by "restricted" except where an
// overlay says why not (bgp-hostnetwork: bgp-rs1 only).
func TestKustomizeNamespacesAndPodSecurity(t *testing.T) {
	overlays, _ := filepath.Glob("k8s/overlays/*")
	dirs := append([]string{"k8s/base"}, overlays...)
	if len(dirs) < 4 {
		t.Fatalf("kustomizations %q", dirs)
	}
	eval, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	notRestricted := map[string][]string{"k8s/overlays/bgp-hostnetwork": {"Deployment/bgp-rs1"}}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			docs := kustomize(t, dir)
			var ns map[string]any
			for _, d := range docs {
				if d["kind"] == "Namespace" {
					ns = d
				}
			}
			if ns == nil {
				t.Fatal("renders no Namespace")
			}
			name, _ := get(ns, "metadata", "name").(string)
			labels, _ := get(ns, "metadata", "labels").(map[string]any)
			enforce, err := psapi.ParseLevel(str(labels["pod-security.kubernetes.io/enforce"]))
			if err != nil {
				t.Fatalf("namespace %s enforce label: %v", name, err)
			}
			pods := 0
			for _, d := range docs {
				kind, _ := d["kind"].(string)
				obj := kind + "/" + str(get(d, "metadata", "name"))
				if kind != "Namespace" && get(d, "metadata", "namespace") != name {
					t.Errorf("%s: namespace %v, want %s", obj, get(d, "metadata", "namespace"), name)
				}
				var tmpl any
				switch kind {
				case "Deployment", "StatefulSet", "DaemonSet", "Job":
					tmpl = get(d, "spec", "template")
				case "CronJob":
					tmpl = get(d, "spec", "jobTemplate", "spec", "template")
				case "Pod":
					tmpl = d
				default:
					continue
				}
				pods++
				meta, spec := podOf(t, obj, tmpl)
				levels := []psapi.Level{enforce}
				if !slices.Contains(notRestricted[dir], obj) {
					levels = append(levels, psapi.LevelRestricted)
				}
				for _, lv := range levels {
					for _, r := range eval.EvaluatePod(psapi.LevelVersion{Level: lv, Version: psapi.LatestVersion()}, meta, spec) {
						if !r.Allowed {
							t.Errorf("%s is refused at Pod Security level %s: %s (%s)", obj, lv, r.ForbiddenReason, r.ForbiddenDetail)
						}
					}
				}
			}
			if pods < 4 {
				t.Errorf("found %d pod templates", pods)
			}
		})
	}
}

// podOf converts a rendered pod template to the API types.
func podOf(t *testing.T, obj string, tmpl any) (*metav1.ObjectMeta, *corev1.PodSpec) {
	t.Helper()
	var pod struct {
		Metadata metav1.ObjectMeta `json:"metadata"`
		Spec     corev1.PodSpec    `json:"spec"`
	}
	b, err := json.Marshal(tmpl)
	if err == nil {
		err = json.Unmarshal(b, &pod)
	}
	if err != nil {
		t.Fatalf("%s pod template: %v", obj, err)
	}
	return &pod.Metadata, &pod.Spec
}

func str(v any) string {
	s, _ := v.(string)
	return strings.TrimSpace(s)
}
