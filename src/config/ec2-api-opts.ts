import { defineGroup, opt } from './registry.js';

/** Options of the EC2 Query API (Grizzly's nova/api/ec2 options). */
export const ec2Opts = defineGroup('DEFAULT', {
  ec2_listen: opt.str('0.0.0.0', 'Address the EC2 API listens on.'),
  ec2_listen_port: opt.port(8773, 'Port the EC2 API listens on (0 picks a free port).'),
  ec2_workers: opt.int(null, 'Accepted for Grizzly compatibility; the EC2 API runs in one process.', { min: 1 }),
  ec2_scheme: opt.str('http', 'Scheme of the EC2 endpoint DescribeRegions advertises.', { choices: ['http', 'https'] }),
  ec2_host: opt.str('$my_ip', 'Host of the EC2 endpoint DescribeRegions advertises.'),
  ec2_dmz_host: opt.str('$my_ip', 'Internal host of the EC2 API (for cloudpipe).'),
  ec2_port: opt.port(8773, 'Port of the EC2 endpoint DescribeRegions advertises.'),
  ec2_path: opt.str('/services/Cloud', 'Path of the EC2 API; requests to / are served too.'),
  region_list: opt.list([], 'Regions DescribeRegions lists, as name=host items; empty means the single region `nova` at ec2_host.'),
  keystone_ec2_url: opt.str(
    null,
    "Keystone's ec2tokens URL (e.g. http://keystone:5000/v3/ec2tokens); unset means the embedded identity service, or [keystone_authtoken] auth_url.",
  ),
  ec2_timestamp_expiry: opt.int(300, 'Seconds a signed request stays acceptable before or after the time it was signed.', { min: 1 }),
  ec2_strict_validation: opt.bool(true, 'Restrict names (security groups, key pairs) to the characters AWS allows.'),
  ec2_private_dns_show_ip: opt.bool(false, "Show an instance's fixed IP as its private DNS name."),
  default_instance_type: opt.str('m1.small', 'Flavor name RunInstances uses when the request names no InstanceType.'),
  vpn_key_suffix: opt.str('-vpn', 'Suffix of the key pairs of cloudpipe VPN instances; hidden from non-admin listings.'),
});
