// A small MIME reader for what nodemailer sends: headers (unfolded, encoded-words decoded),
// and the text/plain and text/html bodies, including inside multipart messages.

export interface ParsedMail {
  headers: Record<string, string>;
  text: string;
  html: string | null;
}

function splitHead(raw: string): { head: string; body: string } {
  const m = raw.match(/\r?\n\r?\n/);
  if (!m || m.index === undefined) return { head: raw, body: '' };
  return { head: raw.slice(0, m.index), body: raw.slice(m.index + m[0].length) };
}

function parseHeaders(head: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const key = line.slice(0, i).trim().toLowerCase();
    const value = decodeWords(line.slice(i + 1).trim());
    out[key] = out[key] === undefined ? value : `${out[key]}, ${value}`;
  }
  return out;
}

/** RFC 2047 encoded-words, B and Q, which nodemailer uses for non-ASCII subjects. */
export function decodeWords(s: string): string {
  return s
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, charset: string, enc: string, data: string) => {
      const bytes = enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64')
        : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
      return charset.toLowerCase().replace('-', '') === 'utf8' ? bytes.toString('utf8') : bytes.toString('latin1');
    });
}

function decodeBody(body: string, encoding: string | undefined): string {
  const enc = (encoding ?? '7bit').toLowerCase();
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (enc === 'quoted-printable') {
    const bytes = body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-Fa-f]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

function walk(head: Record<string, string>, body: string, out: { text: string | null; html: string | null }): void {
  const ctype = head['content-type'] ?? 'text/plain';
  const boundary = ctype.match(/boundary="?([^";]+)"?/i)?.[1];
  if (/^multipart\//i.test(ctype) && boundary) {
    const parts = body.split(`--${boundary}`).slice(1);
    for (const part of parts) {
      if (part.startsWith('--')) break;
      const { head: ph, body: pb } = splitHead(part.replace(/^\r?\n/, ''));
      walk(parseHeaders(ph), pb, out);
    }
    return;
  }
  // The MIME line break before the next boundary belongs to the boundary, not to the text.
  const decoded = decodeBody(body.replace(/\r?\n$/, ''), head['content-transfer-encoding']).replace(/\r\n/g, '\n');
  if (/^text\/html/i.test(ctype)) out.html ??= decoded;
  else if (/^text\/plain/i.test(ctype)) out.text ??= decoded;
}

export function parseMail(raw: string): ParsedMail {
  const { head, body } = splitHead(raw);
  const headers = parseHeaders(head);
  const out: { text: string | null; html: string | null } = { text: null, html: null };
  walk(headers, body, out);
  return { headers, text: out.text ?? '', html: out.html };
}
