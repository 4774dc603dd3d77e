package main

import (
	_ "github.com/cloudflare/cloudflare-go/v6"
	_ "github.com/cloudflare/cloudflare-go/v6/dns"
	_ "github.com/cloudflare/cloudflare-go/v6/option"
	_ "github.com/hetznercloud/hcloud-go/v2/hcloud"
)

func main() {}
