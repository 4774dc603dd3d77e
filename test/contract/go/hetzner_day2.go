package main

// Day-two Hetzner routes as hcloud-go uses them: SSH keys (Hetzner's MD5 fingerprints,
// uniqueness), firewalls (create with rules, apply, remove, set rules, delete refused while in
// use), a server created with keys and a firewall, rebuild, reset_password and backups.

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"net"
	"strings"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"
)

// Public key lines made with ssh-keygen (test/sandbox/helpers.ts holds the same fixtures).
const (
	ed25519Key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDaDrqQ7tz5HK2URRMfSGqk4fdotO29GsshgDE6+3yDL fixture@hostflow"
	rsaKey     = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC/CYkHROnLQHcwrdD+47TtvkASytNJEMJOXQrftFW6Q1XU7sYWOAM5oJZCkfVBy4YFBfKzFJ3d+APE+Y9RwNMjuv0Dgcp94Vq47UTn41+HItkkGojGOvlamj/gy3HdKDzKK3c5VgPHXWixOyd0sWu1OTSnxPa7pecVfCuT2kbFsiaYwVFdWOlhUPZOWSxHNpp/RglDDSp/SIM58xSLyp8+o6kg6S7qw6/y6Qfe7LnK4rRSOfAOrI3teCAlT9fq4AzvTmew/t/aCmpgPXrUeAKvvSKNNysBu8dRh8WYTYfG4ReSWn7ZR7VTh9iKr0isr0c9vIjjRdeWC4/VnBQPwcOn rsa@hostflow"
)

type sshKeyView struct {
	ID          int64             `json:"id"`
	Name        string            `json:"name"`
	Fingerprint string            `json:"fingerprint"`
	Labels      map[string]string `json:"labels"`
}

type firewallView struct {
	ID        int64   `json:"id"`
	Name      string  `json:"name"`
	Rules     int     `json:"rules"`
	AppliedTo []int64 `json:"applied_to"`
}

type serverDay2View struct {
	ID           int64   `json:"id"`
	Image        string  `json:"image"`
	BackupWindow string  `json:"backup_window"`
	Firewalls    []int64 `json:"firewalls"`
}

// md5Fingerprint computes the fingerprint the way ssh-keygen -E md5 does, independently of the sandbox.
func md5Fingerprint(line string) string {
	blob, err := base64.StdEncoding.DecodeString(strings.Fields(line)[1])
	must(err, "decode fixture key")
	sum := md5.Sum(blob)
	hexed := hex.EncodeToString(sum[:])
	pairs := make([]string, 0, len(sum))
	for i := 0; i < len(hexed); i += 2 {
		pairs = append(pairs, hexed[i:i+2])
	}
	return strings.Join(pairs, ":")
}

func cidr(s string) net.IPNet {
	_, n, err := net.ParseCIDR(s)
	must(err, "parse "+s)
	return *n
}

func (r *run) waitAll(what string, actions []*hcloud.Action, err error) {
	must(err, what)
	must(r.hc.Action.WaitFor(r.ctx, actions...), "wait for "+what)
}

func (r *run) sshKeys() (*hcloud.SSHKey, *hcloud.SSHKey) {
	labels := map[string]string{"suite": "go-contract", "customer": "c-1"}
	a, _, err := r.hc.SSHKey.Create(r.ctx, hcloud.SSHKeyCreateOpts{Name: "go-contract-ed25519", PublicKey: ed25519Key, Labels: labels})
	must(err, "create ed25519 key")
	b, _, err := r.hc.SSHKey.Create(r.ctx, hcloud.SSHKeyCreateOpts{Name: "go-contract-rsa", PublicKey: rsaKey, Labels: labels})
	must(err, "create rsa key")
	if a.Fingerprint != md5Fingerprint(ed25519Key) || b.Fingerprint != md5Fingerprint(rsaKey) || a.Labels["customer"] != "c-1" {
		fail("ssh key fingerprints or labels differ: %s %s %v", a.Fingerprint, b.Fingerprint, a.Labels)
	}
	r.step("created two SSH keys with MD5 fingerprints %s and %s", a.Fingerprint, b.Fingerprint)

	_, _, err = r.hc.SSHKey.Create(r.ctx, hcloud.SSHKeyCreateOpts{Name: "go-contract-copy", PublicKey: ed25519Key})
	expectCode(err, hcloud.ErrorCodeUniquenessError, "same key twice")
	_, _, err = r.hc.SSHKey.Create(r.ctx, hcloud.SSHKeyCreateOpts{Name: "go-contract-bad", PublicKey: "ssh-ed25519 AAAA"})
	expectCode(err, hcloud.ErrorCodeInvalidInput, "not a key")
	r.step("same key refused with uniqueness_error, a broken key with invalid_input")

	found, _, err := r.hc.SSHKey.GetByFingerprint(r.ctx, a.Fingerprint)
	must(err, "get by fingerprint")
	if found == nil || found.ID != a.ID {
		fail("GetByFingerprint did not find key %d", a.ID)
	}
	all, err := r.hc.SSHKey.AllWithOpts(r.ctx, hcloud.SSHKeyListOpts{ListOpts: hcloud.ListOpts{LabelSelector: "suite=go-contract,customer=c-1"}})
	must(err, "list keys by label")
	if len(all) != 2 {
		fail("label selector found %d keys, want 2", len(all))
	}
	r.step("found a key by fingerprint and both by label selector")
	return a, b
}

func webRules() []hcloud.FirewallRule {
	rule := func(port string, sources ...string) hcloud.FirewallRule {
		ips := []net.IPNet{}
		for _, s := range sources {
			ips = append(ips, cidr(s))
		}
		return hcloud.FirewallRule{Direction: hcloud.FirewallRuleDirectionIn, Protocol: hcloud.FirewallRuleProtocolTCP, Port: hcloud.Ptr(port), SourceIPs: ips}
	}
	return []hcloud.FirewallRule{rule("22", "198.51.100.0/24"), rule("80", "0.0.0.0/0", "::/0"), rule("443", "0.0.0.0/0", "::/0")}
}

func (r *run) hetznerDay2() {
	keyA, keyB := r.sshKeys()

	fw, _, err := r.hc.Firewall.Create(r.ctx, hcloud.FirewallCreateOpts{Name: "go-contract-fw", Labels: map[string]string{"suite": "go-contract"}, Rules: webRules()})
	r.waitAll("create firewall", fw.Actions, err)
	if len(fw.Firewall.Rules) != 3 || fw.Firewall.Rules[1].SourceIPs[1].String() != "::/0" {
		fail("firewall rules read back wrong: %+v", fw.Firewall.Rules)
	}
	r.step("created firewall %d with 3 rules", fw.Firewall.ID)

	created, _, err := r.hc.Server.Create(r.ctx, hcloud.ServerCreateOpts{
		Name: "go-contract-3", ServerType: &hcloud.ServerType{Name: "cpx22"}, Image: &hcloud.Image{Name: "ubuntu-24.04"},
		Location: &hcloud.Location{Name: "nbg1"}, Labels: map[string]string{"suite": "go-contract", "role": "day2"},
		SSHKeys:   []*hcloud.SSHKey{keyA, keyB},
		Firewalls: []*hcloud.ServerCreateFirewall{{Firewall: *fw.Firewall}},
	})
	must(err, "create server with keys and firewall")
	if created.RootPassword != "" {
		fail("a server created with SSH keys got a root password")
	}
	must(r.hc.Action.WaitFor(r.ctx, append([]*hcloud.Action{created.Action}, created.NextActions...)...), "wait for create")
	s := r.waitStatus(created.Server, hcloud.ServerStatusRunning)
	if len(s.PublicNet.Firewalls) != 1 || s.PublicNet.Firewalls[0].Firewall.ID != fw.Firewall.ID || s.PublicNet.Firewalls[0].Status != hcloud.FirewallStatusApplied {
		fail("public_net.firewalls: %+v", s.PublicNet.Firewalls)
	}
	r.step("created %s with two SSH keys and the firewall applied, no root password", s.Name)

	_, _, err = r.hc.Server.Create(r.ctx, hcloud.ServerCreateOpts{
		Name: "go-contract-nokey", ServerType: &hcloud.ServerType{Name: "cpx22"}, Image: &hcloud.Image{Name: "ubuntu-24.04"},
		SSHKeys: []*hcloud.SSHKey{{ID: 999999}},
	})
	expectCode(err, hcloud.ErrorCodeInvalidInput, "unknown ssh key")
	_, err = r.hc.Firewall.Delete(r.ctx, fw.Firewall)
	expectCode(err, hcloud.ErrorCodeResourceInUse, "delete firewall in use")
	r.step("unknown SSH key refused with invalid_input; deleting the applied firewall refused with resource_in_use")

	extra, _, err := r.hc.Firewall.Create(r.ctx, hcloud.FirewallCreateOpts{Name: "go-contract-extra"})
	r.waitAll("create extra firewall", extra.Actions, err)
	target := []hcloud.FirewallResource{{Type: hcloud.FirewallResourceTypeServer, Server: &hcloud.FirewallResourceServer{ID: s.ID}}}
	actions, _, err := r.hc.Firewall.ApplyResources(r.ctx, extra.Firewall, target)
	r.waitAll("apply extra firewall", actions, err)
	_, _, err = r.hc.Firewall.ApplyResources(r.ctx, extra.Firewall, target)
	expectCode(err, hcloud.ErrorCodeFirewallAlreadyApplied, "apply twice")
	actions, _, err = r.hc.Firewall.SetRules(r.ctx, extra.Firewall, hcloud.FirewallSetRulesOpts{Rules: webRules()[:1]})
	r.waitAll("set rules", actions, err)
	actions, _, err = r.hc.Firewall.RemoveResources(r.ctx, extra.Firewall, target)
	r.waitAll("remove extra firewall", actions, err)
	_, err = r.hc.Firewall.Delete(r.ctx, extra.Firewall)
	must(err, "delete extra firewall")
	r.step("applied, re-ruled, removed and deleted a second firewall")

	rebuilt, _, err := r.hc.Server.RebuildWithResult(r.ctx, s, hcloud.ServerRebuildOpts{Image: &hcloud.Image{Name: "ubuntu-22.04"}, UserData: hcloud.Ptr("#cloud-config\nhostname: rebuilt\n")})
	must(err, "rebuild")
	if rebuilt.RootPassword != "" {
		fail("rebuild of a server with SSH keys returned a root password")
	}
	must(r.hc.Action.WaitFor(r.ctx, rebuilt.Action), "wait for rebuild")
	s = r.waitStatus(s, hcloud.ServerStatusRunning)
	_, _, err = r.hc.Server.RebuildWithResult(r.ctx, s, hcloud.ServerRebuildOpts{Image: &hcloud.Image{ID: 4242}})
	expectCode(err, hcloud.ErrorCodeInvalidInput, "rebuild from an unknown image")
	r.step("rebuilt from ubuntu-22.04 with new user data; an unknown image refused")

	reset, _, err := r.hc.Server.ResetPassword(r.ctx, s)
	must(err, "reset password")
	if reset.RootPassword == "" {
		fail("reset_password returned no password")
	}
	must(r.hc.Action.WaitFor(r.ctx, reset.Action), "wait for reset password")
	r.step("reset the root password")

	a, _, err := r.hc.Server.EnableBackup(r.ctx, s, "")
	r.act("enable backup", a, err)
	s = r.waitStatus(s, hcloud.ServerStatusRunning)
	if s.BackupWindow != "22-02" {
		fail("backup window after enable_backup: %q", s.BackupWindow)
	}
	a, _, err = r.hc.Server.DisableBackup(r.ctx, s)
	r.act("disable backup", a, err)
	s = r.waitStatus(s, hcloud.ServerStatusRunning)
	if s.BackupWindow != "" {
		fail("backup window after disable_backup: %q", s.BackupWindow)
	}
	r.step("enabled and disabled backups")

	_, err = r.hc.SSHKey.Delete(r.ctx, keyB)
	must(err, "delete ssh key")
	gone, _, err := r.hc.SSHKey.GetByID(r.ctx, keyB.ID)
	must(err, "get deleted key")
	if gone != nil {
		fail("deleted SSH key still answers")
	}
	r.step("deleted SSH key %d", keyB.ID)

	r.out.Day2Server = serverDay2View{ID: s.ID, Image: s.Image.Name, BackupWindow: s.BackupWindow}
	for _, f := range s.PublicNet.Firewalls {
		r.out.Day2Server.Firewalls = append(r.out.Day2Server.Firewalls, f.Firewall.ID)
	}
	keys, err := r.hc.SSHKey.AllWithOpts(r.ctx, hcloud.SSHKeyListOpts{ListOpts: hcloud.ListOpts{LabelSelector: "suite=go-contract"}})
	must(err, "list keys")
	for _, k := range keys {
		r.out.SSHKeys = append(r.out.SSHKeys, sshKeyView{ID: k.ID, Name: k.Name, Fingerprint: k.Fingerprint, Labels: k.Labels})
	}
	firewalls, err := r.hc.Firewall.AllWithOpts(r.ctx, hcloud.FirewallListOpts{ListOpts: hcloud.ListOpts{LabelSelector: "suite=go-contract"}})
	must(err, "list firewalls")
	for _, f := range firewalls {
		v := firewallView{ID: f.ID, Name: f.Name, Rules: len(f.Rules), AppliedTo: []int64{}}
		for _, res := range f.AppliedTo {
			v.AppliedTo = append(v.AppliedTo, res.Server.ID)
		}
		r.out.Firewalls = append(r.out.Firewalls, v)
	}
}
