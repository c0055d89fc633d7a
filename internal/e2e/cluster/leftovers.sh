#!/usr/bin/env bash
# Prints anything the cluster rig (or the node rig) left on the machine and
# exits 1 if there is any: processes, network namespace, kubepods cgroups,
# mounts, fixed paths, state files, listening ports. Run after down.sh.
#
#   leftovers.sh [NETNS_INODE]   also checks that no process is left in
#                                that namespace (net:[...], from cluster.env)
#
#   KCG_E2E_WORKDIR   work directory (default /var/tmp/kubecgroups-e2e)
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_root

FOUND=0
found() {
	log "LEFT: $*"
	FOUND=$((FOUND + 1))
}

# Processes running one of the rigs' executables with the work dir in their
# command line, or sitting in the given namespace.
exes=" $BIN_DIR/kubelet $APISERVER_BIN $ETCD_BIN $KUBECTL_BIN /usr/bin/containerd $C2_BIN_DIR/containerd /usr/bin/containerd-shim-runc-v2 $C2_BIN_DIR/containerd-shim-runc-v2 "
while read -r d exe; do
	pid=${d#/proc/}
	[[ $exes == *" $exe "* ]] || continue
	cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
	[[ $cmdline == *"$W"* ]] && found "process $pid: $cmdline"
done < <(find /proc -mindepth 2 -maxdepth 2 -path '/proc/[0-9]*/exe' -printf '%h %l\n' 2>/dev/null || true)
if [[ -n ${1:-} ]]; then
	while read -r d ns; do
		[[ $ns == "$1" ]] || continue
		d=${d#/proc/}
		found "process ${d%%/*} in $1: $(tr '\0' ' ' <"/proc/${d%%/*}/cmdline" 2>/dev/null || true)"
	done < <(find /proc -mindepth 3 -maxdepth 3 -path '/proc/[0-9]*/ns/net' -printf '%h %l\n' 2>/dev/null || true)
fi

for m in $(cgroup_mounts); do
	[[ ! -e $m/kubepods ]] || found "cgroup $m/kubepods"
done

while IFS= read -r mp; do
	mp=$(printf '%b' "$mp")
	case $mp in
	"$W" | "$W"/* | /run/containerd | /run/containerd/* | /var/lib/kubelet | /var/lib/kubelet/*) found "mount $mp" ;;
	esac
done < <(awk '{ print $5 }' /proc/self/mountinfo)

for p in /var/lib/kubelet /run/containerd /run/mount /run/kubernetes /var/run/kubernetes /root/.kube \
	"$RUN_DIR" "$CLUSTER_DIR" "$STATE_FILE" "$ENV_FILE" "$CLUSTER_STATE" "$CLUSTER_ENV" "$SYSCTL_SAVE"; do
	[[ ! -e $p ]] || found "path $p"
done
if [[ -d $CNI_CACHE_DIR/results ]] && [[ -n $(find "$CNI_CACHE_DIR/results" -maxdepth 1 \( -name "$POD_NETWORK-*" -o -name "cni-loopback-*" \)) ]]; then
	found "pod network results in $CNI_CACHE_DIR/results"
fi
if [[ -d /var/log/containers ]] && [[ -n $(ls -A /var/log/containers) ]]; then
	found "files in /var/log/containers"
fi

listen=$(ss -Hltn '( sport = :2379 or sport = :2380 or sport = :6443 or sport = :10248 or sport = :10250 or sport = :10255 )')
[[ -z $listen ]] || found "listening: $listen"

if ((FOUND == 0)); then
	log "nothing left"
else
	log "$FOUND leftover(s)"
	exit 1
fi
