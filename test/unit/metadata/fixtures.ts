import type { InstanceMetadataSource } from '../../../src/metadata/source.js';
import { makeFixedIp, makeNetwork, makeSubnet, makeVif, type NetworkInfo } from '../../../src/virt/network-model.js';

export const UUID = '6d1c4c58-1b7f-4bd1-9c39-3b2b1f7c0a11';

export function networkInfo(options: { injected?: boolean; floating?: string[] } = {}): NetworkInfo {
  return [
    makeVif({
      id: 'vif-1',
      address: 'fa:16:3e:00:00:01',
      network: makeNetwork({
        id: 'net-1',
        label: 'private',
        subnets: [
          makeSubnet({
            cidr: '10.0.0.0/24',
            gateway: '10.0.0.1',
            dns: ['8.8.8.8'],
            ips: [makeFixedIp('10.0.0.3', options.floating ?? [])],
          }),
        ],
        meta: options.injected ? { injected: true } : {},
      }),
    }),
  ];
}

export function source(overrides: Partial<InstanceMetadataSource> = {}): InstanceMetadataSource {
  return {
    uuid: UUID,
    projectId: 'p1',
    displayName: 'web 1',
    hostname: 'web-1',
    launchIndex: 0,
    reservationId: 'r-abcd1234',
    keyName: 'mykey',
    keyData: 'ssh-rsa AAAAB3Nza test@host',
    userData: Buffer.from('#!/bin/sh\necho hello\n'),
    instanceTypeName: 'm1.tiny',
    rootDeviceName: '/dev/vda',
    defaultEphemeralDevice: null,
    defaultSwapDevice: null,
    metadata: { role: 'web' },
    password: null,
    securityGroups: ['default', 'web'],
    blockDeviceMappings: [],
    networkInfo: networkInfo({ floating: ['172.24.4.10'] }),
    availabilityZone: 'nova',
    ec2Ids: { instanceId: 'i-0000002a', amiId: 'ami-00000001', kernelId: null, ramdiskId: null },
    dhcpDomain: 'novalocal',
    useIpv6: false,
    ...overrides,
  };
}
