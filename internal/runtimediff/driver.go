package runtimediff

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"

	"github.com/kubecgroups/kubecgroups/convert"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// A runtime line whose code cannot be linked with this module (runc 1.1
// and containerd 1.6 need runtime-spec v1.0.x, where this module has
// v1.3.0, whose pids limit is a pointer) runs in a driver process. The
// driver speaks JSON lines on stdin and stdout:
//
//	driver → hello:    {"line":"runc 1.1","oci":"runc-1.1.15","cri":"containerd v1.6.38 ...","swapAccounting":true}
//	request:           {"op":"cri","sandbox":false,"resources":{...CRIResources...}}
//	response:          {"oci":{...OCI LinuxResources...}} or {"error":"..."}
//	request:           {"op":"apply","version":2,"dir":"/path","oci":{...}}
//	response:          {} or {"error":"..."}
//
// The JSON of the OCI LinuxResources is the OCI spec's own, the same in
// every runtime-spec version; CRIResources are sent with Go's field names.

// Hello is the driver's first line.
type Hello struct {
	// Line names the runtime line, such as "runc 1.1".
	Line string `json:"line"`
	// OCI is the OCI runtime and version, "runc-1.1.15".
	OCI string `json:"oci"`
	// CRI names the CRI code the driver runs, "" when it has none.
	CRI string `json:"cri"`
	// SwapAccounting is what the CRI code found on this machine.
	SwapAccounting bool `json:"swapAccounting"`
}

// Request is one request to a driver.
type Request struct {
	Op        string                `json:"op"`
	Sandbox   bool                  `json:"sandbox,omitempty"`
	Resources *CRIWire              `json:"resources,omitempty"`
	Version   int                   `json:"version,omitempty"`
	Dir       string                `json:"dir,omitempty"`
	OCI       *specs.LinuxResources `json:"oci,omitempty"`
}

// CRIWire is qos.CRIResources on the wire.
type CRIWire struct {
	CPUPeriod, CPUQuota, CPUShares int64
	MemoryLimit, MemorySwapLimit   int64
	CPUSetCPUs, CPUSetMems         string
	HugepageLimits                 map[uint64]uint64
	Unified                        map[string]string
}

// Response is a driver's answer.
type Response struct {
	OCI   *specs.LinuxResources `json:"oci,omitempty"`
	Error string                `json:"error,omitempty"`
}

// Driver is a running driver process.
type Driver struct {
	Hello Hello
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Reader
	enc   *json.Encoder
}

// StartDriver runs path with env added to the environment and reads its
// hello line.
func StartDriver(path string, env ...string) (*Driver, error) {
	cmd := exec.Command(path)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("driver %s: %w", path, err)
	}
	d := &Driver{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 1<<20), enc: json.NewEncoder(in)}
	if err := d.read(&d.Hello); err != nil {
		_ = d.Close()
		return nil, fmt.Errorf("driver %s: hello: %w", path, err)
	}
	return d, nil
}

func (d *Driver) read(v any) error {
	line, err := d.out.ReadBytes('\n')
	if err != nil {
		return err
	}
	return json.Unmarshal(line, v)
}

func (d *Driver) call(req Request) (*Response, error) {
	if err := d.enc.Encode(req); err != nil {
		return nil, fmt.Errorf("driver: %w", err)
	}
	var resp Response
	if err := d.read(&resp); err != nil {
		return nil, fmt.Errorf("driver: %w", err)
	}
	if resp.Error != "" {
		return &resp, errors.New(resp.Error)
	}
	return &resp, nil
}

// Close ends the driver and waits for it.
func (d *Driver) Close() error {
	_ = d.in.Close()
	return d.cmd.Wait()
}

// Runtime returns the runtime line the driver runs, with the OCI runtime
// oci in the prediction's profile.
func (d *Driver) Runtime(oci string) (Runtime, error) {
	o, err := parseOCI(oci)
	if err != nil {
		return Runtime{}, err
	}
	rt := Runtime{
		Line: d.Hello.Line,
		OCI:  o,
		Apply: func(dir string, v convert.CgroupVersion, res *specs.LinuxResources) error {
			_, err := d.call(Request{Op: "apply", Version: int(v), Dir: dir, OCI: res})
			return err
		},
	}
	if d.Hello.CRI != "" {
		rt.CRIName = d.Hello.CRI
		sw := d.Hello.SwapAccounting
		rt.SwapAccounting = &sw
		rt.CRI = func(c Case) (*specs.LinuxResources, error) {
			r := c.CRI
			w := CRIWire{CPUPeriod: r.CPUPeriod, CPUQuota: r.CPUQuota, CPUShares: r.CPUShares,
				MemoryLimit: r.MemoryLimit, MemorySwapLimit: r.MemorySwapLimit,
				CPUSetCPUs: r.CPUSetCPUs, CPUSetMems: r.CPUSetMems,
				HugepageLimits: r.HugepageLimits, Unified: r.Unified}
			resp, err := d.call(Request{Op: "cri", Sandbox: c.Sandbox, Resources: &w})
			if err != nil {
				return nil, err
			}
			return resp.OCI, nil
		}
	}
	return rt, nil
}
