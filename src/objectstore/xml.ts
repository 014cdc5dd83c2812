/** The XML bodies of nova-objectstore's answers, in S3's namespace and element names. */
import type { BucketInfo, ListResult } from './store.js';

const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

function el(name: string, value: string | number | boolean): string {
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

export function s3Time(at: Date): string {
  return at.toISOString();
}

export function errorXml(code: string, message: string, resource: string, requestId: string): string {
  return `${HEAD}<Error>${el('Code', code)}${el('Message', message)}${el('Resource', resource)}${el('RequestId', requestId)}</Error>`;
}

export function listBucketsXml(buckets: readonly BucketInfo[], owner: string): string {
  const items = buckets.map((b) => `<Bucket>${el('Name', b.name)}${el('CreationDate', s3Time(b.created))}</Bucket>`).join('');
  return `${HEAD}<ListAllMyBucketsResult xmlns="${NS}"><Owner>${el('ID', owner)}${el('DisplayName', owner)}</Owner><Buckets>${items}</Buckets></ListAllMyBucketsResult>`;
}

export interface ListEcho {
  bucket: string;
  prefix: string;
  delimiter: string;
  maxKeys: number;
  /** ListObjects (v1): the marker asked for. */
  marker?: string;
  /** ListObjectsV2: the continuation token and start-after asked for. */
  v2?: { continuationToken: string | null; startAfter: string | null; nextToken: string | null };
}

export function listObjectsXml(result: ListResult, echo: ListEcho): string {
  const contents = result.contents
    .map(
      (o) =>
        `<Contents>${el('Key', o.key)}${el('LastModified', s3Time(o.lastModified))}${el('ETag', o.etag)}${el('Size', o.size)}${el('StorageClass', 'STANDARD')}</Contents>`,
    )
    .join('');
  const prefixes = result.commonPrefixes.map((p) => `<CommonPrefixes>${el('Prefix', p)}</CommonPrefixes>`).join('');
  const common = `${el('Name', echo.bucket)}${el('Prefix', echo.prefix)}${echo.delimiter ? el('Delimiter', echo.delimiter) : ''}${el('MaxKeys', echo.maxKeys)}${el('IsTruncated', result.truncated)}`;
  if (echo.v2) {
    const v2 = echo.v2;
    const extra = `${el('KeyCount', result.contents.length + result.commonPrefixes.length)}${v2.continuationToken !== null ? el('ContinuationToken', v2.continuationToken) : ''}${v2.nextToken !== null ? el('NextContinuationToken', v2.nextToken) : ''}${v2.startAfter !== null ? el('StartAfter', v2.startAfter) : ''}`;
    return `${HEAD}<ListBucketResult xmlns="${NS}">${common}${extra}${contents}${prefixes}</ListBucketResult>`;
  }
  const next = result.truncated && echo.delimiter && result.last !== null ? el('NextMarker', result.last) : '';
  return `${HEAD}<ListBucketResult xmlns="${NS}">${common}${el('Marker', echo.marker ?? '')}${next}${contents}${prefixes}</ListBucketResult>`;
}

export function initiateUploadXml(bucket: string, key: string, uploadId: string): string {
  return `${HEAD}<InitiateMultipartUploadResult xmlns="${NS}">${el('Bucket', bucket)}${el('Key', key)}${el('UploadId', uploadId)}</InitiateMultipartUploadResult>`;
}

export function completeUploadXml(location: string, bucket: string, key: string, etag: string): string {
  return `${HEAD}<CompleteMultipartUploadResult xmlns="${NS}">${el('Location', location)}${el('Bucket', bucket)}${el('Key', key)}${el('ETag', etag)}</CompleteMultipartUploadResult>`;
}

export function deleteResultXml(
  deleted: readonly string[],
  errors: readonly { key: string; code: string; message: string }[],
  quiet: boolean,
): string {
  const ok = quiet ? '' : deleted.map((k) => `<Deleted>${el('Key', k)}</Deleted>`).join('');
  const bad = errors.map((e) => `<Error>${el('Key', e.key)}${el('Code', e.code)}${el('Message', e.message)}</Error>`).join('');
  return `${HEAD}<DeleteResult xmlns="${NS}">${ok}${bad}</DeleteResult>`;
}

export function locationXml(region: string): string {
  return `${HEAD}<LocationConstraint xmlns="${NS}">${escapeXml(region)}</LocationConstraint>`;
}
