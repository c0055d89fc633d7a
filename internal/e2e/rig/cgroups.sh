#!/usr/bin/env bash
# Prints the cgroup v1 values the running rig produced, one line per pod
# cgroup and per container cgroup, as read from the kubelet's /pods and
# /sys/fs/cgroup. A debugging aid for people; the Go test reads the same
# files itself.
#
#   cgroups.sh [--tiers]   (--tiers also prints /kubepods and the QoS tiers)
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -f $ENV_FILE ]] || die "$ENV_FILE missing: is the rig up?"
PODS_URL=$(sed -n 's/^KUBELET_PODS_URL=//p' "$ENV_FILE")
CG=/sys/fs/cgroup

# Reads a cgroupfs file until EOF (stat sizes are 0 there).
rd() { if [[ -r $1 ]]; then tr -d '\n' <"$1"; else printf -- '-'; fi; }

row() { # LABEL REL_PATH
	printf '%-72s %-8s %-16s %-20s %-8s\n' "$1" \
		"$(rd "$CG/cpu/$2/cpu.shares")" \
		"$(rd "$CG/cpu/$2/cpu.cfs_quota_us")/$(rd "$CG/cpu/$2/cpu.cfs_period_us")" \
		"$(rd "$CG/memory/$2/memory.limit_in_bytes")" \
		"$(rd "$CG/pids/$2/pids.max")"
}

printf '%-72s %-8s %-16s %-20s %-8s\n' "cgroup" "shares" "quota/period" "memory.limit" "pids.max"
if [[ ${1:-} == --tiers ]]; then
	for t in kubepods kubepods/burstable kubepods/besteffort; do
		row "/$t" "$t"
	done
fi
curl -sf "$PODS_URL" | jq -r '
	.items | sort_by(.metadata.name)[] |
	[.metadata.name, .metadata.uid, (.status.qosClass // "-"),
	 ([((.status.initContainerStatuses // []) + (.status.containerStatuses // []))[]
	   | select(.containerID != null and .state.running != null)
	   | .name + "=" + (.containerID | sub("^[a-z]+://"; ""))] | join(" "))] | @tsv' |
	while IFS=$'\t' read -r name uid qos ctrs; do
		case $qos in
		Guaranteed) rel=kubepods/pod$uid ;;
		Burstable) rel=kubepods/burstable/pod$uid ;;
		*) rel=kubepods/besteffort/pod$uid ;;
		esac
		row "$name ($qos) $uid" "$rel"
		known=" "
		for c in $ctrs; do
			row "  ${c%%=*}" "$rel/${c#*=}"
			known+="${c#*=} "
		done
		# Whatever else is in the pod cgroup: the sandbox (pause) container.
		for d in "$CG/cpu/$rel"/*/; do
			[[ -d $d ]] || continue
			d=$(basename "$d")
			[[ $known == *" $d "* ]] || row "  (sandbox ${d:0:12})" "$rel/$d"
		done
	done
