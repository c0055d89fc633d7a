#!/usr/bin/env bash
# Installs everything the one-node cluster rig needs into
# ${KCG_E2E_WORKDIR:-/var/tmp/kubecgroups-e2e}: the live-node rig's install
# (apt packages, pause and busybox images, crictl, containerd v2, and the
# kubelet) with kube-apiserver and kubectl built alongside the kubelet,
# Debian's CNI plugins (containernetworking-plugins) for the pod network, plus
# etcd from its Go module. Idempotent: whatever exists is skipped.
#
#   KCG_E2E_WORKDIR   work directory (default /var/tmp/kubecgroups-e2e)
#
# Prints the time of each step.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_root
command -v go >/dev/null || export PATH=$PATH:/usr/local/go/bin
command -v go >/dev/null || die "go not found (expected /usr/local/go/bin/go)"
export CGO_ENABLED=0

TOTAL_START=$(now)
declare -a TIMINGS=()
step() {
	local name=$1 fn=$2 t0
	t0=$(now)
	log "step $name ..."
	"$fn"
	TIMINGS+=("$(printf '%-12s %s' "$name" "$(elapsed "$t0")")")
	log "step $name done in $(elapsed "$t0")"
}

# ---------------------------------------------------------------- node rig
# kubelet, kube-apiserver and kubectl come out of one build of the node
# rig's scratch module (same build cache, same version stamp).
node_rig_install() {
	KCG_E2E_K8S_CMDS=$CLUSTER_K8S_CMDS "$RIG_DIR/install.sh"
}

k8s_versions_check() {
	local v
	v=$("$APISERVER_BIN" --version)
	[[ $v == "Kubernetes $K8S_VERSION" ]] || die "$APISERVER_BIN reports '$v', want $K8S_VERSION (delete it to rebuild)"
	v=$("$KUBECTL_BIN" version --client -o json | jq -r .clientVersion.gitVersion)
	[[ $v == "$K8S_VERSION" ]] || die "$KUBECTL_BIN reports '$v', want $K8S_VERSION (delete it to rebuild)"
}

# ---------------------------------------------------------------- CNI
# The pod network's plugins (bridge, host-local, loopback, portmap in
# /usr/lib/cni): Debian's containernetworking-plugins.
cni_plugins() {
	local p missing=0
	for p in $CNI_PLUGINS; do
		[[ -x $CNI_PLUGIN_SRC/$p ]] || missing=1
	done
	if ((missing == 0)); then
		log "cni: $CNI_PLUGINS already in $CNI_PLUGIN_SRC"
		return
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends containernetworking-plugins
	for p in $CNI_PLUGINS; do
		[[ -x $CNI_PLUGIN_SRC/$p ]] || die "containernetworking-plugins has no $CNI_PLUGIN_SRC/$p"
	done
}

# ---------------------------------------------------------------- etcd
etcd_version() {
	local out
	out=$("$ETCD_BIN" --version 2>/dev/null) || return 0
	awk '$1 == "etcd" && $2 == "Version:" { print "v" $3; exit }' <<<"$out"
}

etcd_build() {
	if [[ -x $ETCD_BIN && $(etcd_version) == "$ETCD_VERSION" ]]; then
		log "etcd: $ETCD_VERSION already built"
		return
	fi
	# go.etcd.io/etcd/server/v3 (its root package is the server's main)
	# has replace directives in its go.mod, so `go install pkg@version`
	# refuses it; a scratch module requiring it builds it as a dependency.
	local mod=$BUILD_DIR/etcd
	rm -rf "$mod"
	mkdir -p "$mod"
	(
		cd "$mod"
		go mod init kubecgroups.local/e2e-etcd 2>/dev/null
		go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
		go build -trimpath -ldflags "-s -w" -o "$ETCD_BIN" go.etcd.io/etcd/server/v3
	)
	[[ $(etcd_version) == "$ETCD_VERSION" ]] || die "etcd build produced '$(etcd_version)', want $ETCD_VERSION"
}

step node-rig node_rig_install
step k8s-check k8s_versions_check
step cni cni_plugins
step etcd etcd_build

log "timings:"
for t in "${TIMINGS[@]}"; do
	log "  $t"
done
log "  total        $(elapsed "$TOTAL_START")"
log "installed into $W: $(cd "$BIN_DIR" && echo *)"
