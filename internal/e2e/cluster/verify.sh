#!/usr/bin/env bash
# Checks a running cluster rig end to end, the way the plugin's cluster mode
# will use it, and prints timings:
#   * the node is Ready; test pods of several QoS shapes (testpods/) run;
#   * kcg-user reads /api/v1/nodes/localhost/proxy/configz, lists pods and
#     nodes, runs the snapshot pod (snapshot-pod.yaml) in the snapshot
#     namespace, streams a tar of a copied cgroup subtree out of it with
#     exec byte-exact and deletes it (admin waits for it to be Ready: the
#     shipped RBAC has no watch);
#   * kcg-noexec can do the same except exec (Forbidden), and kcg-user
#     cannot exec outside the snapshot namespace;
#   * an in-place resize (admin) changes the pod and container cgroups.
# Ends with "N passed, N failed"; exits 1 on any failure. Leaves the test
# pods running (down.sh removes everything).
#
#   KCG_E2E_WORKDIR   work directory (default /var/tmp/kubecgroups-e2e)
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_root
[[ -f $CLUSTER_ENV ]] || die "$CLUSTER_ENV missing: is the cluster up?"
# shellcheck disable=SC1090  # written by up.sh
source "$CLUSTER_ENV"

PASS=0
FAILED=0
ok() {
	PASS=$((PASS + 1))
	log "ok   $*"
}
bad() {
	FAILED=$((FAILED + 1))
	log "FAIL $*"
}
# expect NAME WANT GOT
expect() { if [[ $2 == "$3" ]]; then ok "$1: $3"; else bad "$1: want '$2', got '$3'"; fi; }

k() {
	local kc=$1
	shift
	KUBECACHEDIR=$KUBECACHEDIR "$NETNS_EXEC" "$KUBECTL" --kubeconfig "$kc" "$@"
}
admin() { k "$KUBECONFIG_ADMIN" "$@"; }
user() { k "$KUBECONFIG_KCG_USER" "$@"; }
noexec() { k "$KUBECONFIG_KCG_NOEXEC" "$@"; }

TMP=$(mktemp -d /tmp/kcg-verify.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
CG=/sys/fs/cgroup
NS=$SNAPSHOT_NAMESPACE
SNAP=kcg-snapshot

# cgroup_rel POD: the pod's cgroup path below a hierarchy's root.
cgroup_rel() {
	local uid qos
	read -r uid qos < <(admin get pod "$1" -o jsonpath='{.metadata.uid} {.status.qosClass}')
	case $qos in
	Guaranteed) echo "kubepods/pod$uid" ;;
	Burstable) echo "kubepods/burstable/pod$uid" ;;
	*) echo "kubepods/besteffort/pod$uid" ;;
	esac
}
container_id() {
	admin get pod "$1" -o jsonpath="{.status.containerStatuses[?(@.name==\"$2\")].containerID}" | sed 's|^[a-z]*://||'
}

# ------------------------------------------------------------ node and pods
expect "node Ready" True "$(admin get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')"
expect "node InternalIP" "$NODE_IP" "$(admin get node "$NODE_NAME" -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}')"
expect "kubelet version" "$K8S_VERSION" "$KUBELET_VERSION"

t=$(now)
# A second run starts the resize pod afresh (it was resized by the first).
admin delete -f "$CLUSTER_RIG_DIR/testpods/05-resize.yaml" --ignore-not-found --wait=true >/dev/null
admin apply -f "$CLUSTER_RIG_DIR/testpods/" >/dev/null
if admin wait --for=condition=Ready pod -l app.kubernetes.io/part-of=kubecgroups-e2e --timeout=120s >/dev/null; then
	ok "test pods Ready in $(elapsed "$t")"
else
	bad "test pods not Ready"
	admin get pods -o wide >&2
fi
admin get pods -o custom-columns=NAME:.metadata.name,QOS:.status.qosClass,PHASE:.status.phase,UID:.metadata.uid >&2
for p in guaranteed burstable besteffort sidecar resize; do
	want=$(admin get pod "$p" -o jsonpath='{.metadata.labels.kubecgroups\.e2e/expected-qos}')
	expect "QoS of $p" "$want" "$(admin get pod "$p" -o jsonpath='{.status.qosClass}')"
done
rel=$(cgroup_rel guaranteed)
expect "guaranteed pod cpu.shares" 204 "$(cat "$CG/cpu/$rel/cpu.shares")"
expect "guaranteed pod memory.limit_in_bytes" 134217728 "$(cat "$CG/memory/$rel/memory.limit_in_bytes")"

# ------------------------------------------------------------ configz
t=$(now)
if configz=$(user get --raw "/api/v1/nodes/$NODE_NAME/proxy/configz" 2>&1); then
	ok "kcg-user configz in $(elapsed "$t")"
	expect "configz cgroupDriver" cgroupfs "$(jq -r .kubeletconfig.cgroupDriver <<<"$configz")"
	expect "configz cpuCFSQuotaPeriod" "$([[ $CPU_CFS_QUOTA_PERIOD_US == 50000 ]] && echo 50ms || echo 100ms)" \
		"$(jq -r .kubeletconfig.cpuCFSQuotaPeriod <<<"$configz")"
else
	bad "kcg-user configz: $configz"
fi
if out=$(noexec get --raw "/api/v1/nodes/$NODE_NAME/proxy/configz" 2>&1); then ok "kcg-noexec configz"; else bad "kcg-noexec configz: $out"; fi
if out=$(user get nodes -o name 2>&1) && [[ $out == "node/$NODE_NAME" ]]; then ok "kcg-user get nodes"; else bad "kcg-user get nodes: $out"; fi
if out=$(user get pods -A --field-selector "spec.nodeName=$NODE_NAME" -o name 2>&1) && [[ $(wc -l <<<"$out") -ge 5 ]]; then
	ok "kcg-user lists pods on the node in every namespace"
else
	bad "kcg-user list pods: $out"
fi

# ------------------------------------------------------------ snapshot pod (kcg-user)
t=$(now)
user apply -f "$CLUSTER_RIG_DIR/snapshot-pod.yaml" >/dev/null
if admin -n "$NS" wait --for=condition=Ready "pod/$SNAP" --timeout=60s >/dev/null; then
	ok "kcg-user snapshot pod Ready in $(elapsed "$t")"
else
	bad "snapshot pod not Ready"
	user -n "$NS" describe pod "$SNAP" >&2 || true
fi

# Copy first (cgroupfs files report size 0), then tar. Write-only files
# (cgroup.event_control, memory.force_empty, ...) fail with EINVAL: skipped.
# shellcheck disable=SC2016  # expanded by the pod's shell
copy='rm -rf /tmp/snap && mkdir /tmp/snap &&
for h in cpu memory pids; do
	mkdir -p /tmp/snap/$h && cp -r /host/sys/fs/cgroup/$h/kubepods /tmp/snap/$h/ 2>/dev/null
done; find /tmp/snap -type f | wc -l'
t=$(now)
files=$(user -n "$NS" exec "$SNAP" -- sh -c "$copy")
ok "copied $files cgroup files in the pod in $(elapsed "$t")"

t=$(now)
user -n "$NS" exec "$SNAP" -- tar czf - -C /tmp snap >"$TMP/stream.tgz"
ok "streamed tar czf - ($(stat -c %s "$TMP/stream.tgz") bytes) in $(elapsed "$t")"
mkdir "$TMP/x"
tar xzf "$TMP/stream.tgz" -C "$TMP/x"
expect "entries in the streamed tar" "$files" "$(find "$TMP/x/snap" -type f | wc -l)"
rel=$(cgroup_rel guaranteed)
expect "guaranteed cpu.shares from the tar" "$(cat "$CG/cpu/$rel/cpu.shares")" "$(cat "$TMP/x/snap/cpu/$rel/cpu.shares")"
expect "guaranteed cpu.cfs_quota_us from the tar" "$(cat "$CG/cpu/$rel/cpu.cfs_quota_us")" "$(cat "$TMP/x/snap/cpu/$rel/cpu.cfs_quota_us")"
expect "kubepods memory.limit_in_bytes from the tar" "$(cat "$CG/memory/kubepods/memory.limit_in_bytes")" \
	"$(cat "$TMP/x/snap/memory/kubepods/memory.limit_in_bytes")"

# Byte-exactness: the same archive, hashed in the pod and after the stream.
remote=$(user -n "$NS" exec "$SNAP" -- sh -c 'tar czf /tmp/snap.tgz -C /tmp snap && sha256sum /tmp/snap.tgz')
user -n "$NS" exec "$SNAP" -- cat /tmp/snap.tgz >"$TMP/snap.tgz"
expect "sha256 of the tar, pod vs. streamed" "${remote%% *}" "$(sha256sum "$TMP/snap.tgz" | cut -d' ' -f1)"
remote=$(user -n "$NS" exec "$SNAP" -- sh -c 'rm -f /tmp/snap.tgz && head -c 31457280 /dev/urandom >/tmp/rand && sha256sum /tmp/rand')
t=$(now)
localsum=$(user -n "$NS" exec "$SNAP" -- cat /tmp/rand | sha256sum | cut -d' ' -f1)
expect "sha256 of 30 MiB random data, pod vs. streamed ($(elapsed "$t"))" "${remote%% *}" "$localsum"
user -n "$NS" exec "$SNAP" -- rm -f /tmp/rand
expect "stdout and stderr stay apart" out "$(user -n "$NS" exec "$SNAP" -- sh -c 'echo out; echo err >&2' 2>/dev/null)"


# ------------------------------------------------------------ RBAC boundaries
if out=$(noexec -n "$NS" exec "$SNAP" -- true 2>&1); then
	bad "kcg-noexec exec was allowed"
elif [[ $out == *Forbidden* || $out == *forbidden* ]]; then
	ok "kcg-noexec exec Forbidden: $out"
else
	bad "kcg-noexec exec failed, but not Forbidden: $out"
fi
if out=$(user -n default exec guaranteed -- true 2>&1); then
	bad "kcg-user exec outside $NS was allowed"
elif [[ $out == *orbidden* ]]; then
	ok "kcg-user exec outside $NS Forbidden"
else
	bad "kcg-user exec outside $NS failed, but not Forbidden: $out"
fi
if out=$(noexec -n "$NS" get pod "$SNAP" -o name 2>&1); then ok "kcg-noexec get pod"; else bad "kcg-noexec get pod: $out"; fi
expect "kcg-user can resize pods" no "$(user auth can-i patch pods --subresource=resize -n default 2>/dev/null || true)"
expect "kcg-user can delete pods outside $NS" no "$(user auth can-i delete pods -n default 2>/dev/null || true)"
expect "kcg-noexec can create pods in $NS" yes "$(noexec auth can-i create pods -n "$NS" 2>/dev/null || true)"

t=$(now)
user -n "$NS" delete pod "$SNAP" --wait=false >/dev/null
admin -n "$NS" wait --for=delete "pod/$SNAP" --timeout=60s >/dev/null
ok "kcg-user deleted the snapshot pod (graceful; admin waited, the shipped RBAC has no watch) in $(elapsed "$t")"

# ------------------------------------------------------------ in-place resize (admin)
rel=$(cgroup_rel resize)
cid=$(container_id resize c)
read_cpu() { printf '%s %s %s %s' "$(cat "$CG/cpu/$rel/cpu.shares")" "$(cat "$CG/cpu/$rel/cpu.cfs_quota_us")" \
	"$(cat "$CG/cpu/$rel/$cid/cpu.shares")" "$(cat "$CG/cpu/$rel/$cid/cpu.cfs_quota_us")"; }
period=$CPU_CFS_QUOTA_PERIOD_US
if [[ $CPU_CFS_QUOTA == true ]]; then
	before_want="102 $((200 * period / 1000)) 102 $((200 * period / 1000))"
	after_want="153 $((300 * period / 1000)) 153 $((300 * period / 1000))"
else
	before_want="102 -1 102 -1"
	after_want="153 -1 153 -1"
fi
expect "resize pod/container shares+quota before" "$before_want" "$(read_cpu)"
# resize_to CPU_REQUEST CPU_LIMIT WANT PATCH_ARGS...: patches, then waits for
# the cgroups to show WANT and the container status to report the new
# resources. With cpuCFSQuota false the runtime reports no CPU limit (quota
# -1), and the kubelet keeps the limit of the previous status: the status
# limit then stays at the pod's original 200m (kubelet_pods.go
# convertContainerStatusResources, preserveOldResourcesValue).
resize_to() {
	local req=$1 lim=$2 want=$3 t i st out status_lim
	shift 3
	status_lim=$lim
	[[ $CPU_CFS_QUOTA == true ]] || status_lim=200m
	t=$(now)
	if ! out=$(admin patch pod resize --subresource resize "$@" 2>&1); then
		bad "resize to $req/$lim: $out"
		return
	fi
	for ((i = 0; i < 200; i++)); do
		[[ $(read_cpu) == "$want" ]] && break
		sleep 0.05
	done
	expect "resize to $req/$lim: pod/container shares+quota ($(elapsed "$t"))" "$want" "$(read_cpu)"
	for ((i = 0; i < 50; i++)); do
		st=$(admin get pod resize -o jsonpath='{.status.containerStatuses[0].resources.requests.cpu} {.status.containerStatuses[0].resources.limits.cpu} {.status.containerStatuses[0].restartCount}')
		[[ $st == "$req $status_lim 0" ]] && break
		sleep 0.1
	done
	expect "resize to $req/$lim: status resources cpu request, limit, restartCount" "$req $status_lim 0" "$st"
}
# Strategic merge (kubectl's default): containers merge by name, and only
# the named resources change.
resize_to 150m 300m "$after_want" \
	-p '{"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"150m"},"limits":{"cpu":"300m"}}}]}}'
# JSON merge patch: the containers list is replaced, so every resource of
# the container must be given (a missing memory request/limit counts as
# removed, which the API server rejects).
if [[ $CPU_CFS_QUOTA == true ]]; then
	want="122 $((250 * period / 1000)) 122 $((250 * period / 1000))"
else
	want="122 -1 122 -1"
fi
resize_to 120m 250m "$want" --type merge \
	-p '{"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"120m","memory":"64Mi"},"limits":{"cpu":"250m","memory":"128Mi"}}}]}}'
if out=$(admin patch pod resize --subresource resize --type merge \
	-p '{"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"150m"},"limits":{"cpu":"300m"}}}]}}' 2>&1); then
	bad "a merge patch without the memory resources was accepted"
else
	ok "a merge patch without the memory resources is rejected: ${out//$'\n'/ }"
fi

echo "cluster verify: $PASS passed, $FAILED failed"
((FAILED == 0))
