import { describe, expect, it } from 'vitest';
import { signS3 } from '../../src-main/remotes/s3-sign';

// s3rver checks the access key but not SigV4 signatures, so the signing is checked here against
// the worked examples in AWS's S3 documentation ("Signature Calculations for the Authorization
// Header: Transferring Payload in a Single Chunk").
const creds = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const at = new Date('2013-05-24T00:00:00Z');
const prefix = 'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ';

describe('S3 request signing', () => {
  it("matches AWS's published GET Bucket (list objects) example", async () => {
    const signed = await signS3(
      'GET',
      new URL('https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J'),
      { 'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
      creds,
      'us-east-1',
      at,
    );
    expect(signed.headers.authorization).toBe(
      prefix +
        'SignedHeaders=host;x-amz-content-sha256;x-amz-date, ' +
        'Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7',
    );
  });

  it("matches AWS's published PUT Object example", async () => {
    const signed = await signS3(
      'PUT',
      new URL('https://examplebucket.s3.amazonaws.com/test$file.text'),
      {
        date: 'Fri, 24 May 2013 00:00:00 GMT',
        'x-amz-storage-class': 'REDUCED_REDUNDANCY',
        'x-amz-content-sha256': '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
      },
      creds,
      'us-east-1',
      at,
    );
    expect(signed.headers.authorization).toBe(
      prefix +
        'SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, ' +
        'Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
    );
  });
});
