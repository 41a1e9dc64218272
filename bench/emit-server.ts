import http from 'node:http';

/**
 * The HTTP side of the bench's stand-in servers (baselines, peer feeder): `POST /emit` numbers one change from
 * `template` (seqs from `firstSeq`, `at` = now, like a commit) and hands it to `emit`; `GET /health` answers ok.
 * `lastSeq()` is the newest seq handed on (what a subscribe acknowledges).
 */
export function emitServer(
  template: Record<string, unknown>,
  firstSeq: number,
  emit: (message: Record<string, unknown> & { seq: number; at: string }) => void,
): { server: http.Server; lastSeq: () => number } {
  let seq = firstSeq - 1;
  const server = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/emit') {
      // Drain the (small) body like a real request handler would, then "commit" and fan out.
      req.resume();
      req.on('end', () => {
        seq += 1;
        emit({ ...template, seq, at: new Date().toISOString() });
        const body = JSON.stringify({ seq });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
      return;
    }
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
      return;
    }
    res.writeHead(404);
    res.end();
  });
  return { server, lastSeq: () => seq };
}
