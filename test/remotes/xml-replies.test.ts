import { describe, expect, it } from 'vitest';
import { parseErrorReply, parseListPage } from '../../src-main/remotes/s3-xml';
import { parseMultistatus } from '../../src-main/remotes/webdav-xml';
import { parseXml } from '../../src-main/remotes/xml';

describe('server replies are checked at the boundary', () => {
  it('refuses a DOCTYPE (entity expansion), malformed XML and the wrong root', () => {
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><ListBucketResult>&lol2;</ListBucketResult>';
    expect(() => parseXml(bomb)).toThrow(/DOCTYPE/);
    expect(() => parseXml('<a><b></a>')).toThrow();
    expect(() => parseListPage('<Error><Code>x</Code></Error>')).toThrow(/ListBucketResult/);
    expect(() => parseMultistatus('<ListBucketResult/>')).toThrow(/multistatus/);
  });

  it('a listing with a bad size, a missing key or a truncated page without a token is refused', () => {
    const page = (contents: string, tail = '<IsTruncated>false</IsTruncated>') =>
      `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${tail}${contents}</ListBucketResult>`;
    expect(
      parseListPage(
        page('<Contents><Key>a/b</Key><Size>3</Size><LastModified>2026-12-01T12:00:00.000Z</LastModified></Contents>'),
      ),
    ).toMatchObject({ isTruncated: false, objects: [{ key: 'a/b', size: 3 }] });
    expect(() => parseListPage(page('<Contents><Key>a</Key><Size>-1</Size></Contents>'))).toThrow();
    expect(() => parseListPage(page('<Contents><Size>1</Size></Contents>'))).toThrow();
    expect(() => parseListPage(page('', '<IsTruncated>true</IsTruncated>'))).toThrow(/continuation/);
  });

  it('reads S3 errors, with the server time of a skew refusal', () => {
    const e = parseErrorReply(
      Buffer.from(
        '<Error><Code>RequestTimeTooSkewed</Code><Message>too far</Message><ServerTime>2026-12-01T12:00:00Z</ServerTime></Error>',
      ),
    );
    expect(e?.code).toBe('RequestTimeTooSkewed');
    expect(e?.serverTime?.toISOString()).toBe('2026-12-01T12:00:00.000Z');
    expect(parseErrorReply(Buffer.from('<html>proxy error</html>'))).toBeNull();
  });

  it('reads a multistatus with absolute URLs, escaped names and 404 propstats', () => {
    const xml = `<?xml version="1.0"?><D:multistatus xmlns:D="DAV:">
      <D:response><D:href>http://h/dav/a%20b/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
      <D:response><D:href>/dav/a%20b/x.json</D:href>
        <D:propstat><D:prop><D:resourcetype/><D:getcontentlength>12</D:getcontentlength><D:getlastmodified>Tue, 01 Dec 2026 12:00:00 GMT</D:getlastmodified></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>
        <D:propstat><D:prop><D:getetag/></D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat>
      </D:response></D:multistatus>`;
    expect(parseMultistatus(xml)).toEqual([
      { path: '/dav/a b/', collection: true, size: null, modifiedAt: null },
      { path: '/dav/a b/x.json', collection: false, size: 12, modifiedAt: new Date('2026-12-01T12:00:00Z') },
    ]);
  });
});
