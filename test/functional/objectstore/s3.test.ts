import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { S3Client } from '../../support/aws-client.js';
import { type Ec2Cloud, startEc2Cloud } from '../ec2/harness.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed XML is inspected freely
type Xml = any;

const parse = (text: string): Xml =>
  new XMLParser({ parseTagValue: false, isArray: (n) => ['Contents', 'CommonPrefixes', 'Bucket', 'Deleted'].includes(n) }).parse(text);
const code = (text: string): string => parse(text).Error?.Code;

describe('nova-objectstore', () => {
  let c: Ec2Cloud;
  let demo: S3Client;
  let admin: S3Client;

  before(async () => {
    c = await startEc2Cloud();
    demo = new S3Client(c.s3Url, c.demo);
    admin = new S3Client(c.s3Url, c.admin);
  });
  after(async () => {
    await c.stop();
  });

  it('refuses anonymous requests, wrong secrets, skewed clocks and expired presigned URLs', async () => {
    const anonymous = await demo.call('GET', '/', { signing: 'none' });
    assert.equal(anonymous.status, 403);
    assert.equal(code(anonymous.text), 'AccessDenied');
    const wrong = await demo.call('GET', '/', { secret: 'nope' });
    assert.equal(wrong.status, 403);
    assert.equal(code(wrong.text), 'SignatureDoesNotMatch');
    const wrongV2 = await demo.call('GET', '/', { signing: 'v2', secret: 'nope' });
    assert.equal(code(wrongV2.text), 'SignatureDoesNotMatch');
    const skewed = await demo.call('GET', '/', { at: new Date(Date.now() - 20 * 60_000) });
    assert.equal(skewed.status, 403);
    assert.equal(code(skewed.text), 'RequestTimeTooSkewed');
    const expired = await demo.call('GET', '/', { signing: 'v4-query', at: new Date(Date.now() - 5 * 60_000) });
    assert.equal(expired.status, 403);
    assert.equal(code(expired.text), 'AccessDenied');
    const expiredV2 = await demo.call('GET', '/', { signing: 'v2-query', at: new Date(Date.now() - 5 * 60_000) });
    assert.equal(expiredV2.status, 403);
  });

  it('buckets: create, list, head, refuse duplicates and bad names, delete only when empty', async () => {
    assert.equal((await demo.call('PUT', '/alpha')).status, 200);
    const again = await demo.call('PUT', '/alpha');
    assert.equal(again.status, 409);
    assert.equal(code(again.text), 'BucketAlreadyOwnedByYou');
    const taken = await admin.call('PUT', '/alpha');
    assert.equal(code(taken.text), 'BucketAlreadyExists');
    const bad = await demo.call('PUT', '/x');
    assert.equal(bad.status, 400);
    assert.equal((await demo.call('HEAD', '/alpha')).status, 200);
    assert.equal((await demo.call('HEAD', '/missing')).status, 404);
    const list = parse((await demo.call('GET', '/')).text).ListAllMyBucketsResult;
    assert.deepEqual(
      list.Buckets.Bucket.map((b: Xml) => b.Name),
      ['alpha'],
    );
    assert.equal((await demo.call('PUT', '/alpha/k', { body: 'x' })).status, 200);
    const notEmpty = await demo.call('DELETE', '/alpha');
    assert.equal(notEmpty.status, 409);
    assert.equal(code(notEmpty.text), 'BucketNotEmpty');
    assert.equal((await demo.call('DELETE', '/alpha/k')).status, 204);
    assert.equal((await demo.call('DELETE', '/alpha')).status, 204);
    const gone = await demo.call('GET', '/alpha');
    assert.equal(gone.status, 404);
    assert.equal(code(gone.text), 'NoSuchBucket');
  });

  it("keeps a project's buckets to that project, and shows every bucket to an admin", async () => {
    assert.equal((await demo.call('PUT', '/private')).status, 200);
    assert.equal((await demo.call('PUT', '/private/secret', { body: 's' })).status, 200);
    assert.equal((await admin.call('PUT', '/admins')).status, 200);
    const denied = await demo.call('GET', '/admins');
    assert.equal(denied.status, 403);
    assert.equal(code(denied.text), 'AccessDenied');
    assert.equal((await demo.call('PUT', '/admins/planted', { body: 'x' })).status, 403);
    const demoList = parse((await demo.call('GET', '/')).text).ListAllMyBucketsResult.Buckets.Bucket.map((b: Xml) => b.Name);
    assert.ok(!demoList.includes('admins'));
    const adminList = parse((await admin.call('GET', '/')).text).ListAllMyBucketsResult.Buckets.Bucket.map((b: Xml) => b.Name);
    assert.ok(adminList.includes('private') && adminList.includes('admins'));
    assert.equal((await admin.call('GET', '/private/secret')).text, 's');
  });

  it('objects: put, get, head, ranges, ETag, content type, keys with slashes and dots that stay inside the bucket', async () => {
    await demo.call('PUT', '/objs');
    const body = Buffer.from('0123456789abcdef');
    const put = await demo.call('PUT', '/objs/..%2F..%2Fetc%2Fpasswd', { body, headers: { 'Content-Type': 'text/plain' } });
    assert.equal(put.status, 200, put.text);
    const md5 = createHash('md5').update(body).digest('hex');
    assert.equal(put.headers.get('etag'), `"${md5}"`);
    const got = await demo.call('GET', '/objs/..%2F..%2Fetc%2Fpasswd');
    assert.equal(got.text, body.toString());
    assert.equal(got.headers.get('content-type'), 'text/plain');
    const head = await demo.call('HEAD', '/objs/..%2F..%2Fetc%2Fpasswd');
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), '16');
    assert.equal(head.headers.get('etag'), `"${md5}"`);
    const files = readdirSync(join(c.stateDir, 'buckets', 'objs'));
    assert.deepEqual(files, ['%2E.%2F..%2Fetc%2Fpasswd']);
    assert.ok(!existsSync(join(c.stateDir, 'etc')));
    const range = await demo.call('GET', '/objs/..%2F..%2Fetc%2Fpasswd', { headers: { Range: 'bytes=2-5' } });
    assert.equal(range.status, 206);
    assert.equal(range.text, '2345');
    assert.equal(range.headers.get('content-range'), 'bytes 2-5/16');
    const tail = await demo.call('GET', '/objs/..%2F..%2Fetc%2Fpasswd', { headers: { Range: 'bytes=-3' } });
    assert.equal(tail.text, 'def');
    const beyond = await demo.call('GET', '/objs/..%2F..%2Fetc%2Fpasswd', { headers: { Range: 'bytes=99-' } });
    assert.equal(beyond.status, 416);
    const missing = await demo.call('GET', '/objs/none');
    assert.equal(missing.status, 404);
    assert.equal(code(missing.text), 'NoSuchKey');
    assert.equal((await demo.call('HEAD', '/objs/none')).status, 404);
    const v2 = await demo.call('PUT', '/objs/.hidden', { signing: 'v2', body: 'v2' });
    assert.equal(v2.status, 200);
    assert.equal((await demo.call('GET', '/objs/.hidden', { signing: 'v2-query' })).text, 'v2');
    assert.equal((await demo.call('GET', '/objs/.hidden', { signing: 'v4-query' })).text, 'v2');
  });

  it('refuses bodies that do not match the signed SHA-256 or the Content-MD5, and keeps nothing of them', async () => {
    await demo.call('PUT', '/checked');
    const lying = await demo.call('PUT', '/checked/a', { body: 'real', payloadHash: createHash('sha256').update('fake').digest('hex') });
    assert.equal(lying.status, 400);
    assert.equal(code(lying.text), 'XAmzContentSHA256Mismatch');
    const md5 = await demo.call('PUT', '/checked/b', {
      body: 'real',
      headers: { 'Content-MD5': createHash('md5').update('fake').digest('base64') },
    });
    assert.equal(code(md5.text), 'BadDigest');
    assert.equal((await demo.call('GET', '/checked/a')).status, 404);
    assert.equal((await demo.call('GET', '/checked/b')).status, 404);
    const chunked = await demo.call('PUT', '/checked/c', { body: 'x', payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' });
    assert.equal(chunked.status, 501);
    const unsigned = await demo.call('PUT', '/checked/d', { body: 'ok', payloadHash: 'UNSIGNED-PAYLOAD' });
    assert.equal(unsigned.status, 200);
  });

  it('lists objects with prefix, marker, max-keys and delimiter, in ListObjects v1 and v2', async () => {
    await demo.call('PUT', '/listing');
    for (const key of ['a/1', 'a/2', 'a/b/3', 'b', 'c']) await demo.call('PUT', `/listing/${key}`, { body: key });
    const all = parse((await demo.call('GET', '/listing')).text).ListBucketResult;
    assert.deepEqual(
      all.Contents.map((o: Xml) => o.Key),
      ['a/1', 'a/2', 'a/b/3', 'b', 'c'],
    );
    assert.equal(all.IsTruncated, 'false');
    const prefixed = parse((await demo.call('GET', '/listing?prefix=a%2F&delimiter=%2F')).text).ListBucketResult;
    assert.deepEqual(
      prefixed.Contents.map((o: Xml) => o.Key),
      ['a/1', 'a/2'],
    );
    assert.deepEqual(
      prefixed.CommonPrefixes.map((p: Xml) => p.Prefix),
      ['a/b/'],
    );
    const top = parse((await demo.call('GET', '/listing?delimiter=%2F')).text).ListBucketResult;
    assert.deepEqual(
      top.CommonPrefixes.map((p: Xml) => p.Prefix),
      ['a/'],
    );
    const page = parse((await demo.call('GET', '/listing?max-keys=2&marker=a%2F1')).text).ListBucketResult;
    assert.deepEqual(
      page.Contents.map((o: Xml) => o.Key),
      ['a/2', 'a/b/3'],
    );
    assert.equal(page.IsTruncated, 'true');
    const v2 = parse((await demo.call('GET', '/listing?list-type=2&max-keys=3')).text).ListBucketResult;
    assert.equal(v2.KeyCount, '3');
    assert.equal(v2.IsTruncated, 'true');
    const next = parse(
      (await demo.call('GET', `/listing?list-type=2&continuation-token=${encodeURIComponent(v2.NextContinuationToken)}`)).text,
    ).ListBucketResult;
    assert.deepEqual(
      next.Contents.map((o: Xml) => o.Key),
      ['b', 'c'],
    );
    const bad = await demo.call('GET', '/listing?max-keys=lots');
    assert.equal(code(bad.text), 'InvalidArgument');
  });

  it('multipart uploads join their parts; deleting many objects at once works', async () => {
    await demo.call('PUT', '/multi');
    const init = parse((await demo.call('POST', '/multi/big?uploads')).text).InitiateMultipartUploadResult;
    const id = init.UploadId as string;
    const p1 = Buffer.alloc(1024, 1);
    const p2 = Buffer.alloc(10, 2);
    const e1 = (await demo.call('PUT', `/multi/big?partNumber=1&uploadId=${id}`, { body: p1 })).headers.get('etag');
    const e2 = (await demo.call('PUT', `/multi/big?partNumber=2&uploadId=${id}`, { body: p2 })).headers.get('etag');
    const xml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${e1}</ETag></Part><Part><PartNumber>2</PartNumber><ETag>${e2}</ETag></Part></CompleteMultipartUpload>`;
    const done = await demo.call('POST', `/multi/big?uploadId=${id}`, { body: xml });
    assert.equal(done.status, 200, done.text);
    assert.match(parse(done.text).CompleteMultipartUploadResult.ETag, /-2"$/);
    const got = await demo.call('GET', '/multi/big');
    assert.ok(got.body.equals(Buffer.concat([p1, p2])));
    const unknown = await demo.call('PUT', `/multi/big?partNumber=1&uploadId=${id}`, { body: 'x' });
    assert.equal(code(unknown.text), 'NoSuchUpload');
    const aborted = parse((await demo.call('POST', '/multi/gone?uploads')).text).InitiateMultipartUploadResult.UploadId;
    assert.equal((await demo.call('DELETE', `/multi/gone?uploadId=${aborted}`)).status, 204);

    await demo.call('PUT', '/multi/x', { body: 'x' });
    const del = `<Delete><Object><Key>big</Key></Object><Object><Key>x</Key></Object></Delete>`;
    const deleted = parse((await demo.call('POST', '/multi?delete', { body: del })).text).DeleteResult;
    assert.deepEqual(
      deleted.Deleted.map((d: Xml) => d.Key),
      ['big', 'x'],
    );
    assert.equal((await demo.call('DELETE', '/multi')).status, 204);
  });

  it('accepts a Keystone token instead of a signature', async () => {
    await demo.call('PUT', '/tokened');
    await demo.call('PUT', '/tokened/k', { body: 'by token' });
    const res = await fetch(`${c.s3Url}/tokened/k`, { headers: { 'X-Auth-Token': c.demoToken } });
    assert.equal(await res.text(), 'by token');
    const bad = await fetch(`${c.s3Url}/tokened/k`, { headers: { 'X-Auth-Token': 'nonsense' } });
    assert.equal(bad.status, 403);
  });
});
