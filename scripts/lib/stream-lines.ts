// A child process's output, one whole line at a time: chunks split lines anywhere.

/** Calls `onLine` for each line of `stream`, and for a last line without a newline at its end. */
export function forEachLine(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  let buf = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    const parts = (buf + chunk).split('\n');
    buf = parts.pop() ?? '';
    parts.forEach(onLine);
  });
  stream?.on('end', () => buf && onLine(buf));
}
