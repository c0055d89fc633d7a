#!/usr/bin/env bash
# Installs everything the live-node rig needs, from package sources only,
# into ${KCG_E2E_WORKDIR:-/var/tmp/kubecgroups-e2e}. Idempotent: every step
# whose output already exists is skipped, so a warm run takes seconds.
#
#   KCG_E2E_WORKDIR   work directory (default /var/tmp/kubecgroups-e2e)
#   KCG_E2E_K8S_CMDS  space-separated k8s.io/kubernetes/cmd/* binaries to
#                     build (default "kubelet"; a cluster rig can add
#                     "kube-apiserver kubectl")
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_root
command -v go >/dev/null || export PATH=$PATH:/usr/local/go/bin
command -v go >/dev/null || die "go not found (expected /usr/local/go/bin/go)"

K8S_CMDS=${KCG_E2E_K8S_CMDS:-kubelet}
export CGO_ENABLED=0

mkdir -p "$W" "$BIN_DIR" "$C2_BIN_DIR" "$BUILD_DIR" "$IMAGE_DIR" "$LOG_DIR"

TOTAL_START=$(now)
declare -a TIMINGS=()
# step NAME FUNCTION: runs FUNCTION, records its duration.
step() {
	local name=$1 fn=$2 t0
	t0=$(now)
	log "step $name ..."
	"$fn"
	TIMINGS+=("$(printf '%-12s %s' "$name" "$(elapsed "$t0")")")
	log "step $name done in $(elapsed "$t0")"
}

# ---------------------------------------------------------------- apt
apt_packages() {
	local missing=() p
	for p in containerd runc busybox-static; do
		if [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true) != "install ok installed" ]]; then
			missing+=("$p")
		fi
	done
	# Tools up.sh/down.sh use; part of the usual image, installed if not.
	local tools=()
	command -v curl >/dev/null || tools+=(curl)
	command -v jq >/dev/null || tools+=(jq)
	command -v ss >/dev/null || tools+=(iproute2)
	if ((${#missing[@]} == 0 && ${#tools[@]} == 0)); then
		log "apt: containerd runc busybox-static already installed"
		return
	fi
	log "apt: installing ${missing[*]} ${tools[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	if ((${#missing[@]} > 0)); then
		apt-get install -y -q --no-install-recommends containerd runc busybox-static
	fi
	if ((${#tools[@]} > 0)); then
		apt-get install -y -q --no-install-recommends "${tools[@]}"
	fi
}

# ---------------------------------------------------------------- kubelet
k8s_bins_present() {
	local c
	for c in $K8S_CMDS; do
		[[ -x $BIN_DIR/$c ]] || return 1
	done
	# The version is stamped at link time; a mismatch means a stale build.
	if [[ " $K8S_CMDS " == *" kubelet "* ]]; then
		[[ $("$BIN_DIR/kubelet" --version 2>/dev/null) == "Kubernetes $K8S_VERSION" ]] || return 1
	fi
	return 0
}

k8s_build() {
	if k8s_bins_present; then
		log "k8s: $K8S_CMDS $K8S_VERSION already built"
		return
	fi
	local mod=$BUILD_DIR/k8s gomod gover c
	mkdir -p "$mod"
	# The k8s.io/kubernetes go.mod replaces its staging modules with local
	# paths; a consumer must pin each one to the published v0.x tag.
	# Outside any module (BUILD_DIR has no go.mod), so a stale scratch
	# go.mod cannot get in the way.
	gomod=$(cd "$BUILD_DIR" && GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$K8S_VERSION" |
		sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
	[[ -f $gomod ]] || die "could not download k8s.io/kubernetes@$K8S_VERSION go.mod"
	gover=$(awk '$1 == "go" { print $2; exit }' "$gomod")
	{
		echo "module kubecgroups.local/e2e-k8s"
		echo
		echo "go $gover"
		echo
		echo "require k8s.io/kubernetes $K8S_VERSION"
		echo
		# Lines like: k8s.io/api => ./staging/src/k8s.io/api
		awk '$2 == "=>" && $3 ~ /^\.\/staging\/src\// { print $1 }' "$gomod" |
			grep -v -e '^k8s.io/sample-cli-plugin$' -e '^k8s.io/sample-controller$' |
			sort -u | while read -r m; do
			echo "replace $m => $m $K8S_STAGING_VERSION"
		done
	} >"$mod/go.mod"
	log "k8s: $(grep -c '^replace ' "$mod/go.mod") staging modules pinned to $K8S_STAGING_VERSION"
	{
		echo "//go:build tools"
		echo
		echo "package tools"
		echo
		echo "import ("
		for c in $K8S_CMDS; do
			echo "	_ \"k8s.io/kubernetes/cmd/$c\""
		done
		echo ")"
	} >"$mod/tools.go"
	(cd "$mod" && go mod tidy)
	local pkgs=()
	for c in $K8S_CMDS; do
		pkgs+=("k8s.io/kubernetes/cmd/$c")
	done
	(cd "$mod" && go build -trimpath \
		-ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION" \
		-o "$BIN_DIR/" "${pkgs[@]}")
	k8s_bins_present || die "k8s build produced no usable binaries"
}

# ---------------------------------------------------------------- containerd 2
containerd2_build() {
	if [[ -x $C2_BIN_DIR/containerd && -x $C2_BIN_DIR/ctr && -x $C2_BIN_DIR/containerd-shim-runc-v2 &&
		$("$C2_BIN_DIR/containerd" --version 2>/dev/null || true) == *" $CONTAINERD2_VERSION "* ]]; then
		log "containerd2: $CONTAINERD2_VERSION already built"
		return
	fi
	local m=github.com/containerd/containerd/v2
	GOBIN=$C2_BIN_DIR go install -trimpath \
		-ldflags "-s -w -X $m/version.Version=$CONTAINERD2_VERSION -X $m/version.Revision=$CONTAINERD2_VERSION" \
		"$m/cmd/containerd@$CONTAINERD2_VERSION" \
		"$m/cmd/ctr@$CONTAINERD2_VERSION" \
		"$m/cmd/containerd-shim-runc-v2@$CONTAINERD2_VERSION"
}

# ---------------------------------------------------------------- crictl
crictl_build() {
	if [[ -x $BIN_DIR/crictl ]]; then
		log "crictl: already built"
		return
	fi
	GOBIN=$BIN_DIR go install -trimpath \
		-ldflags "-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=$CRICTL_VERSION" \
		"sigs.k8s.io/cri-tools/cmd/crictl@$CRICTL_VERSION"
}

# ---------------------------------------------------------------- pause
pause_build() {
	if [[ -x $BIN_DIR/pause ]]; then
		log "pause: already built"
		return
	fi
	local d=$BUILD_DIR/pause
	mkdir -p "$d"
	cat >"$d/go.mod" <<'EOF'
module kubecgroups.local/e2e-pause

go 1.22
EOF
	cat >"$d/main.go" <<'EOF'
// Command pause is the sandbox ("infra") process of the rig's pods: it
// sleeps, reaps children (it is PID 1 of the pod) and exits on SIGTERM or
// SIGINT.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	for s := range sigs {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var ws syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
EOF
	(cd "$d" && go build -trimpath -ldflags "-s -w" -o "$BIN_DIR/pause" .)
}

# ---------------------------------------------------------------- images
# make_image TAG ROOTFS_DIR OUT.tar ENTRYPOINT_JSON CMD_JSON
# Writes a one-layer docker-archive (the `docker save` format).
make_image() {
	local tag=$1 rootfs=$2 out=$3 entrypoint=$4 cmd=$5
	local tmp layer_sum cfg cfg_sum
	tmp=$(mktemp -d "$BUILD_DIR/img.XXXXXX")
	(cd "$rootfs" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
		tar --no-recursion --numeric-owner --owner=0 --group=0 --mtime=@0 \
			-cf "$tmp/layer.tar" -T -)
	layer_sum=$(sha256sum "$tmp/layer.tar" | cut -d' ' -f1)
	mkdir "$tmp/$layer_sum"
	mv "$tmp/layer.tar" "$tmp/$layer_sum/layer.tar"
	cfg=$(printf '{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Entrypoint":%s,"Cmd":%s,"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"kubecgroups e2e rig install.sh"}]}' \
		"$entrypoint" "$cmd" "$layer_sum")
	printf '%s' "$cfg" >"$tmp/config.json"
	cfg_sum=$(sha256sum "$tmp/config.json" | cut -d' ' -f1)
	mv "$tmp/config.json" "$tmp/$cfg_sum.json"
	printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' \
		"$cfg_sum" "$tag" "$layer_sum" >"$tmp/manifest.json"
	(cd "$tmp" && tar --numeric-owner --owner=0 --group=0 --mtime=@0 \
		-cf "$out.tmp" manifest.json "$cfg_sum.json" "$layer_sum")
	mv "$out.tmp" "$out"
	rm -rf "$tmp"
}

images_build() {
	local r
	if [[ ! -s $IMAGE_DIR/pause.tar ]]; then
		r=$BUILD_DIR/rootfs-pause
		rm -rf "$r" && mkdir -p "$r"/{dev,proc,sys,etc}
		install -m 0755 "$BIN_DIR/pause" "$r/pause"
		make_image "$PAUSE_IMAGE" "$r" "$IMAGE_DIR/pause.tar" '["/pause"]' 'null'
		rm -rf "$r"
		log "images: wrote $IMAGE_DIR/pause.tar ($PAUSE_IMAGE)"
	else
		log "images: pause.tar already present"
	fi
	if [[ ! -s $IMAGE_DIR/busybox.tar ]]; then
		local bb=/bin/busybox applet
		[[ -x $bb ]] || die "$bb missing (busybox-static)"
		r=$BUILD_DIR/rootfs-busybox
		rm -rf "$r" && mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,etc,tmp,var,root}
		chmod 1777 "$r/tmp"
		install -m 0755 "$bb" "$r/bin/busybox"
		# --list-full prints paths such as bin/sh or usr/bin/awk.
		while read -r applet; do
			[[ -n $applet && $applet != bin/busybox ]] || continue
			[[ -e $r/$applet || -L $r/$applet ]] && continue
			mkdir -p "$r/$(dirname "$applet")"
			ln -s /bin/busybox "$r/$applet"
		done < <("$bb" --list-full)
		printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$r/etc/passwd"
		printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
		make_image "$BUSYBOX_IMAGE" "$r" "$IMAGE_DIR/busybox.tar" 'null' '["sh"]'
		rm -rf "$r"
		log "images: wrote $IMAGE_DIR/busybox.tar ($BUSYBOX_IMAGE)"
	else
		log "images: busybox.tar already present"
	fi
}

step apt apt_packages
step pause pause_build
step images images_build
step crictl crictl_build
step containerd2 containerd2_build
step k8s k8s_build

log "timings:"
for t in "${TIMINGS[@]}"; do
	log "  $t"
done
log "  total        $(elapsed "$TOTAL_START")"
log "installed into $W"
