/**
 * nova-bundle-image: makes an EC2 image bundle (parts + manifest) in the format
 * euca-bundle-image writes, for `aws s3 cp` into nova-objectstore and `aws ec2
 * register-image --image-location bucket/<prefix>.manifest.xml`.
 */
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { Command } from 'commander';
import { bundleImage } from '../image/bundle.js';

const program = new Command('nova-bundle-image')
  .description('bundle an image file for registration through the EC2 API')
  .requiredOption('-i, --image <file>', 'the image file')
  .requiredOption('--ec2cert <pem>', "the cloud's certificate (nova x509-get-root-cert, os-certificates/root)")
  .option('-c, --cert <pem>', "the user's certificate (nova x509-create-cert)")
  .option('-k, --privatekey <pem>', "the user's private key, to sign the manifest")
  .option('-u, --user <id>', 'the user id recorded in the manifest', 'unknown')
  .option('-d, --destination <dir>', 'where the parts and manifest are written', '.')
  .option('-p, --prefix <name>', 'base name of the parts and manifest (default: the image file name)')
  .option('-r, --arch <arch>', 'architecture', 'x86_64')
  .option('--kernel <id>', "the aki- id of the image's kernel, or 'true' when bundling a kernel")
  .option('--ramdisk <id>', "the ari- id of the image's ramdisk, or 'true' when bundling a ramdisk")
  .option('-B, --block-device-mapping <maps>', 'virtual=device pairs, comma separated (ami=sda1,root=/dev/sda1,...)')
  .option('--part-size <bytes>', 'largest part, in bytes', (v) => Number.parseInt(v, 10));
program.parse(process.argv.slice(2), { from: 'user' });
const o = program.opts<{
  image: string;
  ec2cert: string;
  cert?: string;
  privatekey?: string;
  user: string;
  destination: string;
  prefix?: string;
  arch: string;
  kernel?: string;
  ramdisk?: string;
  blockDeviceMapping?: string;
  partSize?: number;
}>();

const type = o.kernel === 'true' ? 'aki' : o.ramdisk === 'true' ? 'ari' : 'ami';
const mappings = (o.blockDeviceMapping ?? '')
  .split(',')
  .filter((m) => m.includes('='))
  .map((m) => {
    const [virtual = '', device = ''] = m.split('=');
    return { virtual, device };
  });
try {
  await mkdir(o.destination, { recursive: true });
  const bundle = await bundleImage({
    image: o.image,
    destination: o.destination,
    ...(o.prefix ? { prefix: o.prefix } : {}),
    ec2Cert: readFileSync(o.ec2cert, 'utf8'),
    ...(o.cert ? { userCert: readFileSync(o.cert, 'utf8') } : {}),
    ...(o.privatekey ? { userKey: readFileSync(o.privatekey, 'utf8') } : {}),
    user: o.user,
    type,
    architecture: o.arch,
    ...(type === 'ami' && o.kernel ? { kernelId: o.kernel } : {}),
    ...(type === 'ami' && o.ramdisk ? { ramdiskId: o.ramdisk } : {}),
    mappings,
    ...(o.partSize ? { partSize: o.partSize } : {}),
  });
  for (const part of bundle.parts) process.stdout.write(`${part}\n`);
  process.stdout.write(`${bundle.manifest}\n`);
} catch (err) {
  process.stderr.write(`nova-bundle-image: ${(err as Error).message}\n`);
  process.exit(1);
}
