// `POST /v1/metrics` as the OTLP/HTTP specification has it (opentelemetry-proto v1.11.0,
// docs/specification.md): binary protobuf (`application/x-protobuf`) or OTLP/JSON (`application/json`),
// optionally gzip-compressed; 200 with an ExportMetricsServiceResponse, whose partial_success counts
// the points that could not be used; errors as a google.rpc.Status in the request's encoding: 400 for
// a body that does not decode, 401 for a missing or wrong bearer token (`receiver.token`), 413 for a
// body (or its decompressed content) over `receiver.maxBodyBytes`, 415 for another content type or
// encoding. Every size is bounded before anything is decoded; nothing a sender sends can crash it.
import type { RequestListener } from 'node:http';
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { constantTimeEqual } from '../server/api/auth.js';
import { DecodeError, GRPC, decodeRequest, encodeResponse, encodeStatus, type Encoding } from './otlp.js';
import type { Receiver } from './index.js';

const GRPC_BY_STATUS: Record<number, number> = {
  400: GRPC.invalidArgument,
  401: GRPC.unauthenticated,
  413: GRPC.resourceExhausted,
  415: GRPC.invalidArgument,
  500: GRPC.internal,
};

/** The encoding a Content-Type asks for, or undefined when it is not an OTLP one. */
export function encodingOf(contentType: string | undefined): Encoding | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return undefined;
}

function reply(res: Response, encoding: Encoding, status: number, body: Buffer): void {
  // setHeader, not res.set: express would add a charset to application/json.
  res.status(status).setHeader('content-type', encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json');
  res.end(body);
}

function fail(
  res: Response,
  encoding: Encoding,
  status: number,
  message: string,
  headers: Record<string, string> = {}
): void {
  res.set(headers);
  reply(res, encoding, status, encodeStatus(encoding, GRPC_BY_STATUS[status] ?? GRPC.internal, message));
}

/** An app with the one route; server/app.ts hands it every request to its path. */
export function receiverApp(receiver: Receiver): RequestListener {
  const app = express();
  app.disable('x-powered-by');
  app.post('/v1/metrics', ...receiverRoute(receiver));
  return app;
}

/** The handlers of the route, in order. */
export function receiverRoute(receiver: Receiver): Array<RequestHandler | ErrorRequestHandler> {
  const { config, stats, log } = receiver;
  const encodingFor = (req: Request): Encoding => encodingOf(req.get('content-type')) ?? 'json';

  const count: RequestHandler = (_req, res, next) => {
    res.once('finish', () => stats.request(res.statusCode));
    next();
  };

  const authorize: RequestHandler = (req, res, next) => {
    if (!config.token) return next();
    const m = /^Bearer[ ]+(\S+)[ ]*$/i.exec(req.get('authorization') ?? '');
    if (m && constantTimeEqual(m[1]!, config.token)) return next();
    fail(
      res,
      encodingFor(req),
      401,
      m ? 'invalid bearer token' : 'missing bearer token (Authorization: Bearer <receiver.token>)',
      { 'www-authenticate': 'Bearer realm="nexus-otlp"' }
    );
  };

  const negotiate: RequestHandler = (req, res, next) => {
    if (!encodingOf(req.get('content-type'))) {
      return fail(
        res,
        'json',
        415,
        `unsupported content type "${req.get('content-type') ?? ''}": send application/x-protobuf or application/json`
      );
    }
    const coding = (req.get('content-encoding') ?? 'identity').trim().toLowerCase();
    if (coding !== 'identity' && coding !== 'gzip')
      return fail(res, encodingFor(req), 415, `unsupported content encoding "${coding}": send gzip or no encoding`);
    next();
  };

  // body-parser counts the limit on the decompressed bytes, so a gzip bomb stops at maxBodyBytes.
  const body = express.raw({ type: () => true, limit: config.maxBodyBytes, inflate: true });

  const handle: RequestHandler = (req, res) => {
    const encoding = encodingFor(req);
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let result;
    try {
      result = receiver.ingestor.ingest(decodeRequest(raw, encoding));
    } catch (e) {
      if (e instanceof DecodeError) {
        log.debug({ err: e.message }, 'OTLP receiver: malformed request');
        return fail(res, encoding, 400, e.message);
      }
      log.error({ err: e }, 'OTLP receiver: could not process a request');
      return fail(res, encoding, 500, 'internal error while processing the request');
    }
    stats.add(result);
    if (result.rejected > 0) {
      const errorMessage = `${result.rejected} data point(s) rejected: ${result.messages.join('; ')}`;
      log.debug({ rejected: result.rejected, dropped: result.dropped }, 'OTLP receiver: points rejected');
      return reply(res, encoding, 200, encodeResponse(encoding, { rejectedDataPoints: result.rejected, errorMessage }));
    }
    reply(res, encoding, 200, encodeResponse(encoding));
  };

  const errors: ErrorRequestHandler = (err: { status?: number; type?: string; message?: string }, req, res, _next) => {
    const encoding = encodingFor(req);
    if (err.type === 'entity.too.large')
      return fail(
        res,
        encoding,
        413,
        `request body over ${config.maxBodyBytes} bytes (receiver.maxBodyBytes), after decompression`
      );
    if (err.status === 415) return fail(res, encoding, 415, err.message ?? 'unsupported encoding');
    if (err.status && err.status >= 400 && err.status < 500)
      return fail(res, encoding, 400, `unreadable request body: ${err.message ?? 'bad request'}`);
    log.error({ err }, 'OTLP receiver: request failed');
    fail(res, encoding, 500, 'internal error while reading the request');
  };

  return [count, authorize, negotiate, body, handle, errors];
}
