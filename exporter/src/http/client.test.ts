// The provider HTTP client's reading of a body over real HTTP: the body is decoded as it arrives, so a
// character whose UTF-8 bytes are split across two reads must still come out whole.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_HTTP, ProviderHttp } from './client.js';

describe('ProviderHttp body decoding', () => {
  let server: Server;
  let url: string;
  // "€" is three bytes in UTF-8, "é" two: both are cut between two writes, well apart in time.
  const body = Buffer.from(JSON.stringify({ model: 'modèle-€', items: ['é', 'x'.repeat(70_000), '€'] }), 'utf8');

  before(async () => {
    server = createServer((_req, res) => {
      const cut = body.indexOf(Buffer.from('€')) + 1;
      const cut2 = body.lastIndexOf(Buffer.from('é')) + 1;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.write(body.subarray(0, cut));
      setTimeout(() => {
        res.write(body.subarray(cut, cut2));
        setTimeout(() => res.end(body.subarray(cut2)), 20);
      }, 20);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('decodes UTF-8 characters split across reads', async () => {
    const http = new ProviderHttp(url, { ...DEFAULT_HTTP, retries: 0 }, { onCall() {}, onError() {} });
    const res = await http.request<{ model: string; items: string[] }>({ endpoint: '/x', path: 'x' });
    assert.deepEqual(res.body, JSON.parse(body.toString('utf8')));
    assert.equal(res.body.model, 'modèle-€');
  });
});
