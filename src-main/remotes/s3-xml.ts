import { z } from 'zod';
import { childrenNamed, parseXml, textOf, type XmlElement } from './xml';

/** One page of ListObjectsV2, checked: every key a string, every size a whole number. */
const ListPage = z.object({
  isTruncated: z.boolean(),
  nextToken: z.string().min(1).optional(),
  objects: z.array(
    z.object({
      key: z.string().min(1).max(1024),
      size: z.number().int().nonnegative(),
      lastModified: z.date().nullable(),
    }),
  ),
});
export type ListPage = z.infer<typeof ListPage>;

function date(text: string | undefined): Date | null {
  if (!text) return null;
  const d = new Date(text);
  return Number.isFinite(d.getTime()) ? d : null;
}

function num(text: string | undefined): number {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : NaN;
}

/** A ListObjectsV2 reply; throws (zod or XML) when it is not one. */
export function parseListPage(xml: string): ListPage {
  const root = parseXml(xml);
  if (root.name !== 'listbucketresult') throw new Error(`expected ListBucketResult, got <${root.name}>`);
  const truncated = textOf(root, 'istruncated');
  const page = ListPage.parse({
    isTruncated: truncated === 'true',
    nextToken: textOf(root, 'nextcontinuationtoken') || undefined,
    objects: childrenNamed(root, 'contents').map((c: XmlElement) => ({
      key: textOf(c, 'key'),
      size: num(textOf(c, 'size')),
      lastModified: date(textOf(c, 'lastmodified')),
    })),
  });
  if (page.isTruncated && !page.nextToken) throw new Error('a truncated listing without a continuation token');
  return page;
}

const S3ErrorReply = z.object({
  code: z.string().min(1).max(200),
  message: z.string().max(4000).optional(),
  serverTime: z.date().optional(),
});
export type S3ErrorReply = z.infer<typeof S3ErrorReply>;

/** An S3 `<Error>` body, or null when the body is not one (HEAD replies have no body). */
export function parseErrorReply(body: Buffer): S3ErrorReply | null {
  if (body.length === 0 || body.length > 64 * 1024) return null;
  try {
    const root = parseXml(body.toString('utf8'));
    if (root.name !== 'error') return null;
    return S3ErrorReply.parse({
      code: textOf(root, 'code'),
      message: textOf(root, 'message')?.slice(0, 4000),
      serverTime: date(textOf(root, 'servertime')) ?? undefined,
    });
  } catch {
    return null;
  }
}
