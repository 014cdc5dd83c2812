/**
 * The files of a CA directory in the layout `openssl ca` uses, so that an operator can
 * still work on it with the openssl CLI: `openssl.cnf`, `index.txt` (the certificate
 * database), `serial` (the next serial, hex), `newcerts/<SERIAL>.pem`.
 */

/** The CA's openssl.cnf: the same policy and defaults as Nova's template, with SHA-256 and 2048-bit keys. */
export function opensslConfig(name: string): string {
  return `# Written by nova-cert; the CA of ${name}. Usable with \`openssl ca -config ./openssl.cnf\` from this directory.
dir                     = .

[ ca ]
default_ca              = CA_default

[ CA_default ]
serial                  = $dir/serial
database                = $dir/index.txt
new_certs_dir           = $dir/newcerts
certificate             = $dir/cacert.pem
private_key             = $dir/private/cakey.pem
unique_subject          = no
default_crl_days        = 365
default_days            = 365
default_md              = sha256
preserve                = no
email_in_dn             = no
nameopt                 = default_ca
certopt                 = default_ca
policy                  = policy_match

[ policy_match ]
countryName             = supplied
stateOrProvinceName     = supplied
organizationName        = optional
organizationalUnitName  = optional
commonName              = supplied
emailAddress            = optional

[ req ]
default_bits            = 2048
default_keyfile         = key.pem
default_md              = sha256
string_mask             = utf8only
distinguished_name      = req_distinguished_name

[ req_distinguished_name ]
0.organizationName          = Organization Name (company)
organizationalUnitName      = Organizational Unit Name (department, division)
emailAddress                = Email Address
emailAddress_max            = 40
localityName                = Locality Name (city, district)
stateOrProvinceName         = State or Province Name (full name)
countryName                 = Country Name (2 letter code)
countryName_min             = 2
countryName_max             = 2
commonName                  = Common Name (hostname, IP, or your name)
commonName_max              = 64
0.organizationName_default  = NOVA ${name}
localityName_default        = Mountain View
stateOrProvinceName_default = California
countryName_default         = US

[ v3_ca ]
basicConstraints        = CA:TRUE
subjectKeyIdentifier    = hash
authorityKeyIdentifier  = keyid:always,issuer:always

[ v3_req ]
basicConstraints        = CA:FALSE
subjectKeyIdentifier    = hash
`;
}

/** One line of index.txt. */
export interface IndexEntry {
  status: 'V' | 'R' | 'E';
  expires: Date;
  revoked: Date | null;
  /** Upper-case hex, as in the serial file. */
  serial: string;
  subject: string;
}

/** openssl's UTCTime `YYMMDDHHMMSSZ`. */
export function utcTime(at: Date): string {
  return `${at.toISOString().slice(2, 19).replace(/[-T:]/g, '')}Z`;
}

function fromUtcTime(text: string): Date {
  const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z/.exec(text);
  if (!m) throw new Error(`malformed time in index.txt: ${text}`);
  const [, yy, mo, d, h, mi, s] = m.map(Number) as number[];
  const year = (yy as number) < 50 ? 2000 + (yy as number) : 1900 + (yy as number);
  return new Date(Date.UTC(year, (mo as number) - 1, d, h, mi, s));
}

export function formatIndexLine(e: IndexEntry): string {
  return [e.status, utcTime(e.expires), e.revoked ? utcTime(e.revoked) : '', e.serial, 'unknown', e.subject].join('\t');
}

export function parseIndex(text: string): IndexEntry[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [status, expires, revoked, serial, , subject] = line.split('\t');
      if ((status !== 'V' && status !== 'R' && status !== 'E') || !expires || serial === undefined) {
        throw new Error(`malformed index.txt line: ${line}`);
      }
      return {
        status,
        expires: fromUtcTime(expires),
        revoked: revoked ? fromUtcTime(revoked.split(',')[0] ?? revoked) : null,
        serial,
        subject: subject ?? '',
      };
    });
}

/** The serial after `serial`, in the file's format: upper-case hex with an even number of digits. */
export function nextSerial(serial: string): string {
  const next = (BigInt(`0x${serial}`) + 1n).toString(16).toUpperCase();
  return next.length % 2 === 0 ? next : `0${next}`;
}

/** A serial as DER wants it: a leading zero byte when the top bit is set, so it stays positive. */
export function derSerialHex(serial: string): string {
  const even = serial.length % 2 === 0 ? serial : `0${serial}`;
  return Number.parseInt(even.slice(0, 2), 16) >= 0x80 ? `00${even}` : even;
}
