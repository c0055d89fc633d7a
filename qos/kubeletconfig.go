package qos

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
	"sigs.k8s.io/yaml"
)

// ParseKubeletConfiguration decodes a kubelet configuration: a
// KubeletConfiguration file (kubelet.config.k8s.io/v1beta1, YAML or JSON)
// or the JSON a kubelet serves at /configz ({"kubeletconfig": {...}}, the
// effective configuration with the v1beta1 field names and durations as
// strings such as "100ms"). Unknown fields are errors that name the field,
// and so are unknown feature gates (*UnknownFeatureGateError), except in
// /configz documents, which may carry fields and gates of newer kubelets.
func ParseKubeletConfiguration(data []byte) (*kubeletv1beta1.KubeletConfiguration, error) {
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("kubelet configuration: not YAML or JSON: %w", err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(js, &top); err != nil {
		return nil, fmt.Errorf("kubelet configuration: want an object: %w", cleanJSONError(err))
	}
	kc := &kubeletv1beta1.KubeletConfiguration{}
	if inner, ok := top["kubeletconfig"]; ok && len(top) == 1 {
		// /configz: lenient, the serving kubelet may be newer.
		if err := json.Unmarshal(inner, kc); err != nil {
			return nil, fmt.Errorf("configz: kubeletconfig.%s: %w", fieldOf(err), cleanJSONError(err))
		}
		return kc, nil
	}
	var tm typeMeta
	_ = json.Unmarshal(js, &tm)
	if tm.Kind != "" && tm.Kind != "KubeletConfiguration" {
		return nil, fmt.Errorf("kubelet configuration: kind %q: want KubeletConfiguration", tm.Kind)
	}
	if tm.APIVersion != "" && tm.APIVersion != "kubelet.config.k8s.io/v1beta1" {
		return nil, fmt.Errorf("kubelet configuration: apiVersion %q: want kubelet.config.k8s.io/v1beta1", tm.APIVersion)
	}
	err = strictDecode(js, kc, func(field string, err error) error {
		if field == "" {
			field = failingKey(top)
		}
		if field != "" {
			return fmt.Errorf("kubelet configuration: %s: %w", field, err)
		}
		return fmt.Errorf("kubelet configuration: %w", err)
	})
	if err != nil {
		return nil, err
	}
	if err := CheckFeatureGates(kc.FeatureGates); err != nil {
		var ue *UnknownFeatureGateError
		if errors.As(err, &ue) {
			return nil, fmt.Errorf("kubelet configuration: featureGates.%s: %w", ue.Gate, err)
		}
		return nil, err
	}
	return kc, nil
}

// ApplyKubeletConfiguration sets the kubelet part of the profile (and
// adds the configuration's feature gates to the overrides) from a
// decoded KubeletConfiguration. Fields the configuration leaves unset take
// the kubelet's defaults ([DefaultKubeletConfig]), not the profile's
// previous values, so the result is what that kubelet runs with.
func (p *Profile) ApplyKubeletConfiguration(kc *kubeletv1beta1.KubeletConfiguration) error {
	k := DefaultKubeletConfig()
	if kc.CgroupDriver != "" {
		k.CgroupDriver = cgroupfs.Driver(kc.CgroupDriver)
	}
	if kc.CgroupsPerQOS != nil {
		k.CgroupsPerQOS = *kc.CgroupsPerQOS
	}
	k.CgroupRoot = kc.CgroupRoot
	if k.CgroupRoot == "" && k.CgroupsPerQOS {
		k.CgroupRoot = "/"
	}
	if kc.CPUCFSQuota != nil {
		k.CPUCFSQuota = *kc.CPUCFSQuota
	}
	if kc.CPUCFSQuotaPeriod != nil && kc.CPUCFSQuotaPeriod.Duration != 0 {
		k.CPUCFSQuotaPeriod = *kc.CPUCFSQuotaPeriod
	}
	if kc.CPUManagerPolicy != "" {
		policy, err := ParseCPUManagerPolicy(kc.CPUManagerPolicy)
		if err != nil {
			return &ProfileError{Field: "kubelet.cpuManagerPolicy", Err: err}
		}
		k.CPUManagerPolicy = policy
	}
	if kc.PodPidsLimit != nil && *kc.PodPidsLimit >= 0 {
		k.PodPidsLimit = *kc.PodPidsLimit
	}
	if kc.MemoryThrottlingFactor != nil {
		f := *kc.MemoryThrottlingFactor
		k.MemoryThrottlingFactor = &f
	}
	if kc.MemoryReservationPolicy != "" {
		policy, err := ParseMemoryReservationPolicy(string(kc.MemoryReservationPolicy))
		if err != nil {
			return &ProfileError{Field: "kubelet.memoryReservationPolicy", Err: err}
		}
		k.MemoryReservationPolicy = policy
	}
	if kc.SingleProcessOOMKill != nil {
		b := *kc.SingleProcessOOMKill
		k.SingleProcessOOMKill = &b
	}
	if kc.MemorySwap.SwapBehavior != "" {
		k.SwapBehavior = kc.MemorySwap.SwapBehavior
	}
	var err error
	if k.KubeReserved, err = resourceMap("kubeReserved", kc.KubeReserved); err != nil {
		return err
	}
	if k.SystemReserved, err = resourceMap("systemReserved", kc.SystemReserved); err != nil {
		return err
	}
	if kc.EnforceNodeAllocatable != nil {
		k.EnforceNodeAllocatable = append([]string{}, kc.EnforceNodeAllocatable...)
	}
	if len(kc.QOSReserved) > 0 {
		k.QOSReserved = maps.Clone(kc.QOSReserved)
	}
	if len(kc.FeatureGates) > 0 {
		if p.FeatureGates == nil {
			p.FeatureGates = map[string]bool{}
		}
		maps.Copy(p.FeatureGates, kc.FeatureGates)
	}
	p.Kubelet = k
	return nil
}

// LoadKubeletConfiguration is ParseKubeletConfiguration followed by
// ApplyKubeletConfiguration, then Validate.
func (p *Profile) LoadKubeletConfiguration(data []byte) error {
	kc, err := ParseKubeletConfiguration(data)
	if err != nil {
		return err
	}
	if err := p.ApplyKubeletConfiguration(kc); err != nil {
		return err
	}
	return p.Validate()
}

func resourceMap(field string, m map[string]string) (corev1.ResourceList, error) {
	if len(m) == 0 {
		return nil, nil
	}
	out := corev1.ResourceList{}
	for k, v := range m {
		q, err := resource.ParseQuantity(strings.TrimSpace(v))
		if err != nil {
			return nil, &ProfileError{Field: "kubelet." + field + "." + k, Err: fmt.Errorf("invalid quantity %q", v)}
		}
		out[corev1.ResourceName(k)] = q
	}
	return out, nil
}

// failingKey finds the top-level key whose value does not decode, for
// errors (such as a bad duration) that do not name their field.
func failingKey(top map[string]json.RawMessage) string {
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		one, err := json.Marshal(map[string]json.RawMessage{k: top[k]})
		if err != nil {
			continue
		}
		if json.Unmarshal(one, &kubeletv1beta1.KubeletConfiguration{}) != nil {
			return k
		}
	}
	return ""
}
