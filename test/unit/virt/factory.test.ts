import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidConfig } from '../../../src/common/errors.js';
import { Config } from '../../../src/config/config.js';
import '../../../src/cmd/all-opts.js';
import { loadDriver } from '../../../src/virt/factory.js';
import { LibvirtDriver } from '../../../src/virt/libvirt/driver.js';
import { QemuDriver } from '../../../src/virt/qemu/driver.js';

const conf = (defaults: Record<string, unknown>): Config =>
  Config.load({ overrides: { DEFAULT: { state_path: '/srv/nova', ...defaults } } });

describe('real drivers from nova.conf', () => {
  it('builds the QEMU driver under every name, with Grizzly’s options applied', () => {
    for (const name of ['qemu', 'qemu.QemuDriver', 'nova.virt.qemu.QemuDriver']) {
      assert.ok(loadDriver(conf({ compute_driver: name })) instanceof QemuDriver, name);
    }
    const driver = loadDriver(
      conf({
        compute_driver: 'qemu',
        host: 'c1',
        my_ip: '192.0.2.7',
        use_cow_images: false,
        vncserver_proxyclient_address: '192.0.2.7',
        metadata_port: 8999,
      }),
    ) as QemuDriver;
    assert.equal(driver.options.instancesPath, '/srv/nova/instances');
    assert.equal(driver.options.disks.imagesType, 'raw');
    assert.equal(driver.options.vnc?.proxyclientAddress, '192.0.2.7');
    assert.equal(driver.options.metadataForward, '192.0.2.7:8999', 'metadata_host defaults to my_ip');
    assert.equal(driver.options.host, 'c1');
    assert.equal((loadDriver(conf({ compute_driver: 'qemu', vnc_enabled: false })) as QemuDriver).options.vnc, null);
  });

  it('builds the libvirt driver under Grizzly’s names with libvirt_type and libvirt_images_type', () => {
    for (const name of ['libvirt', 'libvirt.LibvirtDriver', 'nova.virt.libvirt.LibvirtDriver', 'nova.virt.libvirt.driver.LibvirtDriver']) {
      assert.ok(loadDriver(conf({ compute_driver: name })) instanceof LibvirtDriver, name);
    }
    const driver = loadDriver(
      conf({ compute_driver: 'libvirt', libvirt_type: 'qemu', libvirt_images_type: 'raw', libvirt_uri: 'qemu:///session' }),
    ) as LibvirtDriver;
    assert.equal(driver.options.libvirtType, 'qemu');
    assert.equal(driver.options.cpuMode, 'none', 'no host-model CPU for TCG domains');
    assert.equal(driver.options.disks.imagesType, 'raw');
    assert.equal(driver.options.uri, 'qemu:///session');
    assert.equal((loadDriver(conf({ compute_driver: 'libvirt' })) as LibvirtDriver).options.cpuMode, 'host-model');
  });

  it('refuses libvirt settings nova-ts cannot honour', () => {
    assert.throws(() => loadDriver(conf({ compute_driver: 'libvirt', libvirt_type: 'xen' })), InvalidConfig);
    assert.throws(() => loadDriver(conf({ compute_driver: 'libvirt', libvirt_images_type: 'lvm' })), InvalidConfig);
  });
});
