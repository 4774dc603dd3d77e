// Command contract drives the Hostflow sandbox with the providers' official Go clients
// (hcloud-go and cloudflare-go), which nobody on this project wrote, and prints what those
// clients saw as JSON. It exits non-zero on the first mismatch, so a sandbox that drifts from
// the real wire format fails here even when our own TypeScript tests agree with it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"sort"
	"time"

	"github.com/cloudflare/cloudflare-go/v6"
	"github.com/cloudflare/cloudflare-go/v6/dns"
	"github.com/cloudflare/cloudflare-go/v6/option"
	"github.com/hetznercloud/hcloud-go/v2/hcloud"
)

type serverView struct {
	ID              int64             `json:"id"`
	Name            string            `json:"name"`
	Status          string            `json:"status"`
	ServerType      string            `json:"server_type"`
	PrimaryDiskSize int               `json:"primary_disk_size"`
	Labels          map[string]string `json:"labels"`
	IPv4            string            `json:"ipv4"`
	Location        string            `json:"location"`
}

type imageView struct {
	ID          int64  `json:"id"`
	Status      string `json:"status"`
	Description string `json:"description"`
	CreatedFrom int64  `json:"created_from"`
}

type recordView struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Type    string `json:"type"`
	Content string `json:"content"`
	TTL     int64  `json:"ttl"`
}

type view struct {
	Servers         []serverView   `json:"servers"`
	Images          []imageView    `json:"images"`
	DNSRecords      []recordView   `json:"dns_records"`
	DeletedServerID int64          `json:"deleted_server_id"`
	DeletedRecordID string         `json:"deleted_record_id"`
	SSHKeys         []sshKeyView   `json:"ssh_keys"`
	Firewalls       []firewallView `json:"firewalls"`
	Day2Server      serverDay2View `json:"day2_server"`
	Steps           []string       `json:"steps"`
}

type run struct {
	ctx context.Context
	hc  *hcloud.Client
	cf  *cloudflare.Client
	zid string
	out view
}

func (r *run) step(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	r.out.Steps = append(r.out.Steps, msg)
	fmt.Fprintln(os.Stderr, "ok:", msg)
}

func fail(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "MISMATCH: "+format+"\n", a...)
	os.Exit(1)
}

func must(err error, what string) {
	if err != nil {
		fail("%s: %v", what, err)
	}
}

func envOr(name, dflt string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return dflt
}

func main() {
	hetznerURL := flag.String("hetzner-url", envOr("HETZNER_API_URL", "http://127.0.0.1:4010/v1"), "sandbox Hetzner endpoint")
	cloudflareURL := flag.String("cloudflare-url", envOr("CLOUDFLARE_API_URL", "http://127.0.0.1:4010/client/v4"), "sandbox Cloudflare base URL")
	zoneID := flag.String("zone-id", envOr("CLOUDFLARE_ZONE_ID", "023e105f4ecef8ad9ca31a8372d0c353"), "Cloudflare zone id")
	zoneName := flag.String("zone-name", envOr("CLOUDFLARE_DOMAIN", "hostflow.test"), "Cloudflare zone name")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r := &run{
		ctx: ctx,
		hc: hcloud.NewClient(
			hcloud.WithToken(envOr("HETZNER_API_TOKEN", "sandbox-hetzner-token")),
			hcloud.WithEndpoint(*hetznerURL),
			hcloud.WithPollOpts(hcloud.PollOpts{BackoffFunc: hcloud.ConstantBackoff(20 * time.Millisecond)}),
		),
		cf: cloudflare.NewClient(
			option.WithAPIToken(envOr("CLOUDFLARE_API_TOKEN", "sandbox-cloudflare-token")),
			option.WithBaseURL(*cloudflareURL),
			option.WithMaxRetries(0),
		),
		zid: *zoneID,
	}
	r.hetzner()
	r.hetznerDay2()
	r.cloudflare(*zoneName)

	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	must(enc.Encode(r.out), "encode view")
}

func (r *run) waitStatus(s *hcloud.Server, want hcloud.ServerStatus) *hcloud.Server {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		got, _, err := r.hc.Server.GetByID(r.ctx, s.ID)
		must(err, "get server")
		if got == nil {
			fail("server %d vanished while waiting for %s", s.ID, want)
		}
		if got.Status == want && !got.Locked {
			return got
		}
	}
	fail("server %d never reached %s", s.ID, want)
	return nil
}

func (r *run) act(what string, a *hcloud.Action, err error) {
	must(err, what)
	must(r.hc.Action.WaitFor(r.ctx, a), "wait for "+what)
}

func expectCode(err error, code hcloud.ErrorCode, what string) {
	if err == nil {
		fail("%s: expected %s, the sandbox accepted it", what, code)
	}
	if !hcloud.IsError(err, code) {
		fail("%s: expected %s, got %v", what, code, err)
	}
}

func (r *run) hetzner() {
	labels := map[string]string{"suite": "go-contract", "role": "gateway"}
	userData := "#cloud-config\nwrite_files:\n  - path: /etc/hostflow/callback.env\n    content: |\n      HOSTFLOW_CALLBACK_URL=http://127.0.0.1:9/never\n      HOSTFLOW_CALLBACK_TOKEN=t\n"
	created, _, err := r.hc.Server.Create(r.ctx, hcloud.ServerCreateOpts{
		Name:             "go-contract-1",
		ServerType:       &hcloud.ServerType{Name: "cpx22"},
		Image:            &hcloud.Image{Name: "ubuntu-24.04"},
		Location:         &hcloud.Location{Name: "fsn1"},
		UserData:         userData,
		Labels:           labels,
		StartAfterCreate: hcloud.Ptr(true),
	})
	must(err, "create server")
	s := created.Server
	if s.Name != "go-contract-1" || s.Labels["role"] != "gateway" || s.ServerType.Name != "cpx22" || s.ServerType.Disk != 80 {
		fail("created server reads back wrong: %+v", s)
	}
	if s.PublicNet.IPv4.IP == nil || s.PublicNet.IPv4.IP.To4() == nil || s.PublicNet.IPv4.IP.To4()[0] != 203 {
		fail("public IPv4 not in 203.0.113.0/24: %v", s.PublicNet.IPv4.IP)
	}
	if s.Location == nil || s.Location.Name != "fsn1" || created.RootPassword == "" || len(created.NextActions) != 1 {
		fail("create result incomplete: location=%v root_password=%q next_actions=%d", s.Location, created.RootPassword, len(created.NextActions))
	}
	must(r.hc.Action.WaitFor(r.ctx, append([]*hcloud.Action{created.Action}, created.NextActions...)...), "wait for create")
	s = r.waitStatus(s, hcloud.ServerStatusRunning)
	r.step("created %s with labels and user data; actions finished; running", s.Name)

	_, _, err = r.hc.Server.Create(r.ctx, hcloud.ServerCreateOpts{Name: "go-contract-1", ServerType: &hcloud.ServerType{Name: "cpx22"}, Image: &hcloud.Image{Name: "ubuntu-24.04"}})
	expectCode(err, hcloud.ErrorCodeUniquenessError, "duplicate name")
	r.step("duplicate name refused with uniqueness_error")

	found, err := r.hc.Server.AllWithOpts(r.ctx, hcloud.ServerListOpts{ListOpts: hcloud.ListOpts{LabelSelector: "suite=go-contract,role in (gateway,api),!missing"}})
	must(err, "list by label selector")
	if len(found) != 1 || found[0].ID != s.ID {
		fail("label selector found %d servers", len(found))
	}
	none, err := r.hc.Server.AllWithOpts(r.ctx, hcloud.ServerListOpts{ListOpts: hcloud.ListOpts{LabelSelector: "suite!=go-contract"}})
	must(err, "list by negative selector")
	if len(none) != 0 {
		fail("negative selector found %d servers", len(none))
	}
	r.step("listed by label selector")

	a, _, err := r.hc.Server.Shutdown(r.ctx, s)
	r.act("shutdown", a, err)
	s = r.waitStatus(s, hcloud.ServerStatusOff)
	a, _, err = r.hc.Server.Poweron(r.ctx, s)
	r.act("poweron", a, err)
	s = r.waitStatus(s, hcloud.ServerStatusRunning)
	r.step("shutdown powered the server off; poweron brought it back")

	_, _, err = r.hc.Server.ChangeType(r.ctx, s, hcloud.ServerChangeTypeOpts{ServerType: &hcloud.ServerType{Name: "cpx32"}, UpgradeDisk: true})
	expectCode(err, hcloud.ErrorCodeServerNotStopped, "change type while running")
	r.step("change type refused while running with server_not_stopped")

	a, _, err = r.hc.Server.Poweroff(r.ctx, s)
	r.act("poweroff", a, err)
	s = r.waitStatus(s, hcloud.ServerStatusOff)
	a, _, err = r.hc.Server.ChangeType(r.ctx, s, hcloud.ServerChangeTypeOpts{ServerType: &hcloud.ServerType{Name: "cpx32"}, UpgradeDisk: true})
	r.act("change type", a, err)
	s = r.waitStatus(s, hcloud.ServerStatusOff)
	if s.ServerType.Name != "cpx32" || s.PrimaryDiskSize != 160 {
		fail("after change type: type %s disk %d", s.ServerType.Name, s.PrimaryDiskSize)
	}
	_, _, err = r.hc.Server.ChangeType(r.ctx, s, hcloud.ServerChangeTypeOpts{ServerType: &hcloud.ServerType{Name: "cpx22"}, UpgradeDisk: false})
	expectCode(err, hcloud.ErrorCodeInvalidServerType, "shrink disk")
	r.step("changed type to cpx32 with disk upgrade; shrinking back refused")

	img, _, err := r.hc.Server.CreateImage(r.ctx, s, &hcloud.ServerCreateImageOpts{Type: hcloud.ImageTypeSnapshot, Description: hcloud.Ptr("go-contract snapshot")})
	r.act("create image", img.Action, err)
	image, _, err := r.hc.Image.GetByID(r.ctx, img.Image.ID)
	must(err, "get image")
	if image == nil || image.Status != hcloud.ImageStatusAvailable || image.CreatedFrom == nil || image.CreatedFrom.ID != s.ID {
		fail("snapshot not available or not from the server: %+v", image)
	}
	r.step("created snapshot %d", image.ID)

	del, _, err := r.hc.Server.DeleteWithResult(r.ctx, s)
	must(err, "delete")
	must(r.hc.Action.WaitFor(r.ctx, del.Action), "wait for delete")
	gone, _, err := r.hc.Server.GetByID(r.ctx, s.ID)
	must(err, "get deleted server")
	if gone != nil {
		fail("deleted server still answers: %s", gone.Status)
	}
	r.out.DeletedServerID = s.ID
	r.step("deleted server %d; get answers not found", s.ID)

	kept, _, err := r.hc.Server.Create(r.ctx, hcloud.ServerCreateOpts{
		Name: "go-contract-2", ServerType: &hcloud.ServerType{Name: "cpx42"}, Image: &hcloud.Image{Name: "ubuntu-24.04"},
		Location: &hcloud.Location{Name: "hel1"}, Labels: map[string]string{"suite": "go-contract", "role": "kept"}, StartAfterCreate: hcloud.Ptr(false),
	})
	must(err, "create kept server")
	must(r.hc.Action.WaitFor(r.ctx, kept.Action), "wait for kept server")
	r.waitStatus(kept.Server, hcloud.ServerStatusOff)
	r.step("created go-contract-2 without starting it")

	all, err := r.hc.Server.AllWithOpts(r.ctx, hcloud.ServerListOpts{ListOpts: hcloud.ListOpts{LabelSelector: "suite=go-contract"}})
	must(err, "list remaining servers")
	for _, sv := range all {
		r.out.Servers = append(r.out.Servers, serverView{
			ID: sv.ID, Name: sv.Name, Status: string(sv.Status), ServerType: sv.ServerType.Name, PrimaryDiskSize: sv.PrimaryDiskSize,
			Labels: sv.Labels, IPv4: sv.PublicNet.IPv4.IP.String(), Location: sv.Location.Name,
		})
	}
	images, err := r.hc.Image.AllWithOpts(r.ctx, hcloud.ImageListOpts{Type: []hcloud.ImageType{hcloud.ImageTypeSnapshot}})
	must(err, "list snapshots")
	for _, im := range images {
		v := imageView{ID: im.ID, Status: string(im.Status), Description: im.Description}
		if im.CreatedFrom != nil {
			v.CreatedFrom = im.CreatedFrom.ID
		}
		r.out.Images = append(r.out.Images, v)
	}
}

func cfCode(err error) (int, []int64) {
	var apiErr *cloudflare.Error
	if !errors.As(err, &apiErr) {
		return 0, nil
	}
	codes := []int64{}
	for _, e := range apiErr.Errors {
		codes = append(codes, e.Code)
	}
	return apiErr.StatusCode, codes
}

func (r *run) cloudflare(zone string) {
	name := "go-contract." + zone
	newA := func(n, content string) (*dns.RecordResponse, error) {
		return r.cf.DNS.Records.New(r.ctx, dns.RecordNewParams{
			ZoneID: cloudflare.F(r.zid),
			Body: dns.ARecordParam{
				Name: cloudflare.F(n), Type: cloudflare.F(dns.ARecordTypeA), Content: cloudflare.F(content),
				TTL: cloudflare.F(dns.TTL(60)), Proxied: cloudflare.F(false),
			},
		})
	}
	rec, err := newA(name, "203.0.113.77")
	must(err, "create A record")
	if rec.Name != name || rec.Content != "203.0.113.77" || rec.TTL != 60 || string(rec.Type) != "A" {
		fail("record reads back wrong: %+v", rec)
	}
	r.step("created A record %s", rec.ID)

	page, err := r.cf.DNS.Records.List(r.ctx, dns.RecordListParams{
		ZoneID: cloudflare.F(r.zid),
		Name:   cloudflare.F(dns.RecordListParamsName{Exact: cloudflare.F(name)}),
		Type:   cloudflare.F(dns.RecordListParamsTypeA),
	})
	must(err, "list by exact name")
	if len(page.Result) != 1 || page.Result[0].ID != rec.ID || page.ResultInfo.Page != 1 {
		fail("list by exact name found %d records", len(page.Result))
	}
	r.step("listed by exact name and type")

	_, err = newA(name, "203.0.113.77")
	if status, codes := cfCode(err); status != http.StatusBadRequest || len(codes) == 0 || codes[0] != 81058 {
		fail("duplicate record: expected 400/81058, got %d %v (%v)", status, codes, err)
	}
	r.step("identical record refused with 81058")

	_, err = r.cf.DNS.Records.List(r.ctx, dns.RecordListParams{ZoneID: cloudflare.F("ffffffffffffffffffffffffffffffff")})
	if status, codes := cfCode(err); status != http.StatusBadRequest || len(codes) == 0 || codes[0] != 7003 {
		fail("unknown zone: expected 400/7003, got %d %v", status, codes)
	}
	r.step("unknown zone refused with 7003")

	deleted, err := r.cf.DNS.Records.Delete(r.ctx, rec.ID, dns.RecordDeleteParams{ZoneID: cloudflare.F(r.zid)})
	must(err, "delete record")
	if deleted.ID != rec.ID {
		fail("delete answered id %q, want %q", deleted.ID, rec.ID)
	}
	r.out.DeletedRecordID = rec.ID
	r.step("deleted record %s", rec.ID)

	_, err = newA("kept."+zone, "203.0.113.78")
	must(err, "create kept record")
	all, err := r.cf.DNS.Records.List(r.ctx, dns.RecordListParams{ZoneID: cloudflare.F(r.zid)})
	must(err, "list records")
	for _, x := range all.Result {
		r.out.DNSRecords = append(r.out.DNSRecords, recordView{ID: x.ID, Name: x.Name, Type: string(x.Type), Content: x.Content, TTL: int64(x.TTL)})
	}
	sort.Slice(r.out.DNSRecords, func(i, j int) bool { return r.out.DNSRecords[i].Name < r.out.DNSRecords[j].Name })
}
