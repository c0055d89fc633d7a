# The kubecgroups node agent: the static kubecgroups-agent binary
# (cmd/kubecgroups-agent: "kubectl-cgroups agent" without the rest of the
# CLI) alone, run as nobody. internal/e2e/agent/build-image.sh builds the
# same image without a container engine (one layer: /kubecgroups-agent).
#
#   docker build -t ghcr.io/kubecgroups/kubecgroups-agent:VERSION .
#   kubectl-cgroups agent manifests --image ghcr.io/kubecgroups/kubecgroups-agent:VERSION | kubectl apply -f -
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /kubecgroups-agent ./cmd/kubecgroups-agent

FROM scratch
COPY --from=build /kubecgroups-agent /kubecgroups-agent
USER 65534:65534
ENTRYPOINT ["/kubecgroups-agent"]
