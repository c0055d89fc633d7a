#!/usr/bin/env bash
# Stops what up.sh started and puts the machine back as it was. Idempotent
# and safe when nothing runs, after a failed or killed up.sh, or after
# daemons were killed by hand.
#
#   KCG_E2E_WORKDIR        work directory (default /var/tmp/kubecgroups-e2e)
#   KCG_E2E_STOP_SECONDS   SIGTERM grace before SIGKILL (default 15)
#
# Order: the node rig's down.sh (kubelet, every process in a kubepods
# cgroup, containerd and its shims, mounts, kubepods cgroups, the kubelet's
# fixed paths, kernel tunables, run/, rig.state); then kube-apiserver, etcd,
# and the network namespace holder (by recorded PID, checked against the
# recorded executable and namespace); then anything still in that namespace;
# then the cluster directory (PKI, kubeconfigs, etcd data: every API object,
# Terminating namespaces included, goes with it), cluster.state and
# cluster.env. Exits 1 (and keeps cluster.state) if anything could not be
# stopped or removed, saying what.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_root
STOP_SECONDS=${KCG_E2E_STOP_SECONDS:-15}
T0=$(now)
PROBLEMS=0
problem() {
	log "PROBLEM: $*"
	PROBLEMS=$((PROBLEMS + 1))
}

declare -A ST=()
if [[ -f $CLUSTER_STATE ]]; then
	while IFS='=' read -r k v; do
		[[ -n $k && $k != \#* ]] && ST[$k]=$v
	done <"$CLUSTER_STATE"
	log "state: runtime ${ST[RUNTIME]:-?} config ${ST[CONFIG]:-?} started ${ST[STARTED]:-?}"
fi

# PIDs in the network namespace INODE (net:[...]).
pids_in_netns() {
	local d ns
	while read -r d ns; do
		[[ $ns == "$1" ]] || continue
		d=${d#/proc/}
		echo "${d%%/*}"
	done < <(find /proc -mindepth 3 -maxdepth 3 -path '/proc/[0-9]*/ns/net' -printf '%h %l\n' 2>/dev/null || true)
}

# ------------------------------------------------------------ node side
# The node rig's down.sh does the kubelet, containers, containerd, mounts,
# cgroups, fixed paths and tunables. Skip it only when rig.state belongs
# to a running node rig rather than to this cluster.
node_state_rig=
if [[ -f $STATE_FILE ]]; then
	node_state_rig=$(sed -n 's/^RIG=//p' "$STATE_FILE")
fi
if [[ -f $STATE_FILE && $node_state_rig != cluster ]]; then
	log "$STATE_FILE belongs to the node rig (internal/e2e/rig), not to the cluster: leaving the node side alone"
else
	"$RIG_DIR/down.sh" || problem "the node rig's down.sh reported problems (above)"
fi

# ------------------------------------------------------------ control plane
if [[ -n ${ST[APISERVER_PID]:-} ]]; then
	stop_pid kube-apiserver "${ST[APISERVER_PID]}" "${ST[APISERVER_EXE]}"
fi
for pid in $(pids_of "$APISERVER_BIN"); do
	stop_pid "kube-apiserver (unrecorded)" "$pid" "$APISERVER_BIN"
done
if [[ -n ${ST[ETCD_PID]:-} ]]; then
	stop_pid etcd "${ST[ETCD_PID]}" "${ST[ETCD_EXE]}"
fi
for pid in $(pids_of "$ETCD_BIN"); do
	stop_pid "etcd (unrecorded)" "$pid" "$ETCD_BIN"
done

# ------------------------------------------------------------ network namespace
if [[ -n ${ST[NETNS_PID]:-} ]]; then
	pid=${ST[NETNS_PID]}
	if is_ours "$pid" "${ST[NETNS_EXE]}" &&
		[[ $(readlink "/proc/$pid/ns/net" 2>/dev/null || true) == "${ST[NETNS_INODE]}" ]]; then
		stop_pid "network namespace holder" "$pid" "${ST[NETNS_EXE]}"
	else
		log "network namespace holder (PID $pid) is not running"
	fi
	# Whatever else still holds the namespace (a client left running by a
	# test, say) lives in a namespace only this rig made.
	for ((i = 0; i < 20; i++)); do
		left=$(pids_in_netns "${ST[NETNS_INODE]}" | tr '\n' ' ')
		[[ -n $left ]] || break
		log "killing processes left in ${ST[NETNS_INODE]}: $left"
		# shellcheck disable=SC2086  # a list of PIDs
		kill -KILL $left 2>/dev/null || true
		sleep 0.2
	done
	left=$(pids_in_netns "${ST[NETNS_INODE]}" | tr '\n' ' ')
	[[ -z $left ]] || problem "processes still in the rig's network namespace: $left"
fi

# ------------------------------------------------------------ files
# libcni's cache of the pod network's results (containerd is stopped).
if [[ -d $CNI_CACHE_DIR/results ]]; then
	# This network's attachments, and the loopback ones containerd's CRI
	# plugin makes for every sandbox (network "cni-loopback").
	find "$CNI_CACHE_DIR/results" -maxdepth 1 -type f \( -name "$POD_NETWORK-*" -o -name "cni-loopback-*" \) -delete ||
		problem "cannot remove $CNI_CACHE_DIR/results/{$POD_NETWORK,cni-loopback}-*"
fi
if [[ ${ST[CNI_CACHE_EXISTED]:-1} == 0 && -d $CNI_CACHE_DIR ]]; then
	find "$CNI_CACHE_DIR" -depth -type d -empty -delete 2>/dev/null || true
	[[ ! -e $CNI_CACHE_DIR ]] || problem "$CNI_CACHE_DIR holds files up.sh did not make: $(find "$CNI_CACHE_DIR" -type f | head -5 | tr '\n' ' ')"
fi
if ((PROBLEMS == 0)); then
	mounted=$(awk -v w="$CLUSTER_DIR" '$5 == w || index($5, w "/") == 1 { print $5 }' /proc/self/mountinfo)
	if [[ -n $mounted ]]; then
		problem "still mounted under $CLUSTER_DIR: $mounted"
	else
		rm -rf "$CLUSTER_DIR"
		rm -f "$CLUSTER_STATE" "$CLUSTER_ENV"
		log "cluster down in $(elapsed "$T0")"
		exit 0
	fi
fi
log "cluster down finished with $PROBLEMS problem(s) in $(elapsed "$T0"); $CLUSTER_STATE kept"
exit 1
