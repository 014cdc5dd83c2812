// Every module that registers options is imported here, so that the loader knows the
// whole registry before it validates nova.conf and the sample config lists everything.
// A module that adds an opts file adds its line here.
import '../config/common-opts.js';
import '../config/api-opts.js';
import '../config/metadata-api-opts.js';
import '../config/ec2-api-opts.js';
import '../compute/api-opts.js';
import '../compute/manager-opts.js';
import '../cert/opts.js';
import '../cloudpipe/opts.js';
import '../compute/availability-zones.js';
import '../consoleauth/opts.js';
import '../db/opts.js';
import '../identity/opts.js';
import '../image/opts.js';
import '../metadata/opts.js';
import '../network/opts.js';
import '../objectstore/opts.js';
import '../policy/opts.js';
import '../quota/opts.js';
import '../rpc/opts.js';
import '../scheduler/opts.js';
import '../service/opts.js';
import '../virt/opts.js';
import '../virt/fake/opts.js';
import '../virt/firewall/opts.js';
import '../virt/qemu/opts.js';
import '../virt/libvirt/opts.js';
import '../virt/imagecache/opts.js';
import '../notifications/opts.js';
import '../compute/audit-opts.js';
import './nova-all-opts.js';
import '../compute/operators/fping.js';
