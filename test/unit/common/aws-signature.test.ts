import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseQueryPairs } from '../../../src/common/aws-signature/canonical.js';
import { ec2CredentialsOf, expectedEc2Signatures } from '../../../src/common/aws-signature/ec2.js';
import { s3SignatureFor, s3SignedRequestOf } from '../../../src/common/aws-signature/s3.js';

// Requests signed by botocore 1.43 (the library behind awscli) with these keys.
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';

describe('EC2 request signatures', () => {
  it('match botocore for SigV4 with a form body', () => {
    const body = 'Action=DescribeRegions&Version=2016-11-15';
    const signed = ec2CredentialsOf({
      method: 'POST',
      host: '127.0.0.1:8773',
      path: '/',
      query: [],
      form: parseQueryPairs(body),
      headers: {
        host: '127.0.0.1:8773',
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        'x-amz-date': '20261207T171310Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261207/nova/ec2/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=2a86310cdf056ca6e8e35a0f8ca2d107886e8efc12a9af25fd7654b93d4c8d52',
      },
      body: Buffer.from(body),
    });
    assert.equal(signed?.form, 'v4-header');
    assert.equal(signed?.credentials.access, 'AKIDEXAMPLE');
    assert.deepEqual(expectedEc2Signatures(SECRET, signed.credentials), [signed.credentials.signature]);
    assert.notDeepEqual(expectedEc2Signatures('other', signed.credentials), [signed.credentials.signature]);
  });

  it('match botocore for SigV2 with HmacSHA256', () => {
    const form: [string, string][] = [
      ['Action', 'DescribeRegions'],
      ['Version', '2010-10-30'],
      ['AWSAccessKeyId', 'AKIDEXAMPLE'],
      ['SignatureVersion', '2'],
      ['SignatureMethod', 'HmacSHA256'],
      ['Timestamp', '2026-12-07T17:13:10Z'],
      ['Signature', 'Aitk2du6lfNr1JVWjCRVS4rB1yyBockM93ajPBNO9gs='],
    ];
    const signed = ec2CredentialsOf({
      method: 'POST',
      host: '127.0.0.1:8773',
      path: '/services/Cloud/',
      query: [],
      form,
      headers: {},
      body: Buffer.alloc(0),
    });
    assert.equal(signed?.form, 'v2');
    assert.ok(expectedEc2Signatures(SECRET, signed.credentials).includes(signed.credentials.signature));
    assert.equal(signed.credentials.params.Signature, undefined);
  });

  it('carry no credentials when the request is not signed', () => {
    assert.equal(
      ec2CredentialsOf({
        method: 'GET',
        host: 'h',
        path: '/',
        query: [['Action', 'DescribeRegions']],
        form: [],
        headers: {},
        body: Buffer.alloc(0),
      }),
      null,
    );
  });
});

describe('S3 request signatures', () => {
  it('match botocore for SigV4 with a signed payload', () => {
    const signed = s3SignedRequestOf({
      method: 'PUT',
      rawPath: '/bucket/a%20b/c.txt',
      query: [['x', '1']],
      headers: {
        host: '127.0.0.1:3333',
        'x-amz-date': '20261207T171310Z',
        'x-amz-content-sha256': '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261207/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=c4c8260e1d2346dd1caad2611a70bfea9b847738ef2ddc2d391ad18ef677ee20',
      },
    });
    assert.equal(s3SignatureFor(SECRET, signed?.stringToSign ?? ''), signed?.signature);
    assert.equal(signed?.payloadHash, '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
  });

  it('match botocore for SigV2 (HmacV1) with a sub-resource and x-amz headers', () => {
    const signed = s3SignedRequestOf({
      method: 'GET',
      rawPath: '/bucket/key',
      query: [['acl', '']],
      headers: {
        host: '127.0.0.1:3333',
        date: 'Mon, 07 Dec 2026 17:13:10 GMT',
        'x-amz-meta-foo': 'bar',
        authorization: 'AWS AKIDEXAMPLE:bNSBox4WPWtQDGmlQniR+2nuzbA=',
      },
    });
    assert.equal(s3SignatureFor(SECRET, signed?.stringToSign ?? ''), signed?.signature);
  });

  it('match botocore for a presigned SigV4 URL, which expires', () => {
    const url = new URL(
      'http://127.0.0.1:3333/bucket/key?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261207%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261207T171310Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=895db2f4f7b978f5eb48e2d9a6b607bd3b21e38826f5ee8ee6f35049972a22aa',
    );
    const signed = s3SignedRequestOf({
      method: 'GET',
      rawPath: url.pathname,
      query: parseQueryPairs(url.search.slice(1)),
      headers: { host: url.host },
    });
    assert.equal(s3SignatureFor(SECRET, signed?.stringToSign ?? ''), signed?.signature);
    assert.equal(signed?.expiresAt?.toISOString(), '2026-12-07T18:13:10.000Z');
  });

  it('refuse a SigV4 string to sign for another service', () => {
    assert.throws(() => s3SignatureFor(SECRET, 'AWS4-HMAC-SHA256\n20261207T171310Z\n20261207/us-east-1/ec2/aws4_request\nabc'));
  });
});
