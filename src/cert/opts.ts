import { defineGroup, opt } from '../config/registry.js';

/** Where nova-cert keeps its certificate authorities and how it names certificates (Grizzly's nova/crypto.py options). */
export const cryptoOpts = defineGroup('DEFAULT', {
  ca_file: opt.str('cacert.pem', 'File name of a CA certificate, inside its CA directory.'),
  key_file: opt.str('private/cakey.pem', 'File name of a CA private key, inside its CA directory.'),
  crl_file: opt.str('crl.pem', 'File name of a certificate revocation list, inside its CA directory.'),
  keys_path: opt.str('$state_path/keys', 'Where generated key pairs are kept.'),
  ca_path: opt.str('$state_path/CA', 'Directory of the root CA (project CAs live under its projects/ subdirectory).'),
  use_project_ca: opt.bool(false, 'Give each project its own CA instead of signing everything with the root CA.'),
  user_cert_subject: opt.str(
    '/C=US/ST=California/O=OpenStack/OU=NovaDev/CN=%.16s-%.16s-%s',
    'Subject of user certificates; the %s fields are the project id, the user id and a timestamp.',
  ),
  project_cert_subject: opt.str(
    '/C=US/ST=California/O=OpenStack/OU=NovaDev/CN=project-ca-%.16s-%s',
    'Subject of project CA certificates; the %s fields are the project id and a timestamp.',
  ),
});
