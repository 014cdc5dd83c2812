/**
 * The script a cloudpipe VPN instance runs at boot (`autorun.sh` in its payload): it
 * reads its own address from the interface, installs the server key, certificate, CA
 * and CRL it was given, fills in the appliance's OpenVPN server template with a client
 * address pool at the top of the project's subnet, and starts OpenVPN. The template uses
 * Python string.Template syntax as Grizzly's `boot_script_template` does: `$name` or
 * `${name}`, `$$` for a literal dollar.
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config/config.js';
import { ec2Opts } from '../config/ec2-api-opts.js';
import { networkManagerOpts } from '../network/opts.js';
import { cloudpipeOpts } from './opts.js';

export const DEFAULT_BOOT_SCRIPT = `#!/bin/sh
# cloudpipe VPN appliance set-up, written by nova-ts.
# The EC2 API this cloud serves: \${cc_dmz}:\${cc_port}
set -e
cd "$$(dirname "$$0")"

IFACE=eth0
VPN_IP=$$(ip -4 -o addr show dev $$IFACE | awk '{print $$4}' | cut -d/ -f1 | head -n1)
PREFIX=$$(ip -4 -o addr show dev $$IFACE | awk '{print $$4}' | cut -d/ -f2 | head -n1)
GATEWAY=$$(ip -4 route show default | awk '{print $$3}' | head -n1)

# Dotted quad <-> integer, to find the subnet and its broadcast address.
to_int() { echo "$$1" | awk -F. '{print ($$1*16777216)+($$2*65536)+($$3*256)+$$4}'; }
to_ip() { echo "$$1" | awk '{printf "%d.%d.%d.%d", int($$1/16777216)%256, int($$1/65536)%256, int($$1/256)%256, $$1%256}'; }
ADDR=$$(to_int "$$VPN_IP")
SIZE=$$((1 << (32 - PREFIX)))
NET=$$((ADDR / SIZE * SIZE))
BROADCAST=$$((NET + SIZE - 1))
DHCP_SUBNET=$$(to_ip $$NET)
DHCP_MASK=$$(to_ip $$(( (0xffffffff << (32 - PREFIX)) & 0xffffffff )))
# Clients get the \${num_vpn} addresses just below the broadcast address.
DHCP_LOWER=$$(to_ip $$((BROADCAST - \${num_vpn})))
DHCP_UPPER=$$(to_ip $$((BROADCAST - 1)))

# The TAP device's MAC sorts above every guest NIC's (fa:16:3e:...).
TAP_MAC=$$(printf 'fa:17:3e:%02x:%02x:%02x' $$(od -An -N3 -tu1 /dev/urandom))

openssl dhparam -out /etc/openvpn/dh1024.pem 1024
cp crl.pem server.key ca.crt server.crt /etc/openvpn/
chmod 600 /etc/openvpn/server.key

sed -e "s/VPN_IP/$$VPN_IP/g" \\
    -e "s/DHCP_SUBNET/$$DHCP_SUBNET/g" \\
    -e "s/DHCP_MASK/$$DHCP_MASK/g" \\
    -e "s/DHCP_LOWER/$$DHCP_LOWER/g" \\
    -e "s/DHCP_UPPER/$$DHCP_UPPER/g" \\
    -e "s/max-clients 1$$/max-clients 10/" \\
    /etc/openvpn/server.conf.template > /etc/openvpn/server.conf
cat >> /etc/openvpn/server.conf <<CONF
push "route \${dmz_net} \${dmz_mask} $$GATEWAY"
duplicate-cn
crl-verify /etc/openvpn/crl.pem
lladdr $$TAP_MAC
CONF

/etc/init.d/openvpn start
`;

export interface BootScriptValues {
  cc_dmz: string;
  cc_port: string;
  dmz_net: string;
  dmz_mask: string;
  num_vpn: string;
}

/** string.Template's substitute(): every placeholder must have a value. */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\$(?:(\$)|([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})/g, (_all, dollar, bare, braced) => {
    if (dollar) return '$';
    const name = (bare ?? braced) as string;
    const value = values[name];
    if (value === undefined) throw new Error(`boot script template: no value for $${name}`);
    return value;
  });
}

export function bootScriptValues(conf: Config): BootScriptValues {
  const ec2 = conf.get(ec2Opts);
  const cp = conf.get(cloudpipeOpts);
  return {
    cc_dmz: ec2.ec2_dmz_host ?? '',
    cc_port: String(ec2.ec2_port),
    dmz_net: cp.dmz_net ?? '10.0.0.0',
    dmz_mask: cp.dmz_mask ?? '255.255.255.0',
    num_vpn: String(conf.get(networkManagerOpts).cnt_vpn_clients ?? 0),
  };
}

/** The rendered boot script: `boot_script_template`'s file when set, else the one shipped here. */
export function renderBootScript(conf: Config): string {
  const path = conf.get(cloudpipeOpts).boot_script_template;
  const template = path ? readFileSync(path, 'utf8') : DEFAULT_BOOT_SCRIPT;
  return renderTemplate(template, { ...bootScriptValues(conf) });
}
