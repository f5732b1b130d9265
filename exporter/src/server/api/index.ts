// The admin API, mounted at /api/v1 by server/app.ts, which imports this module (and with it express)
// only when the API is enabled. Order matters: CORS preflights are answered before authentication;
// bodies are read only after it (an unauthenticated client cannot make the exporter parse anything)
// and only as JSON, within admin.maxBodyBytes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type RequestHandler, type Router } from 'express';
import type { Exporter } from '../../exporter.js';
import {
  FailureLimiter,
  adminToken,
  clientAddress,
  cors,
  requireBearer,
  requireJson,
  securityHeaders,
} from './auth.js';
import { ApiError, errorHandler, sendError } from './errors.js';
import { openApiDocument } from './openapi.js';
import { AdminService } from './service.js';

export interface AdminApiOptions {
  env?: NodeJS.ProcessEnv;
}

const ACCOUNT = '/providers/:provider/accounts/:account';

function methodNotAllowed(allow: string): RequestHandler {
  return (_req, res) =>
    sendError(res, new ApiError('METHOD_NOT_ALLOWED', `allowed methods: ${allow}`, undefined, { allow }));
}

/** The admin API as a request listener for every path under /api/v1. */
export function adminApp(
  exporter: Exporter,
  options: AdminApiOptions = {}
): (req: IncomingMessage, res: ServerResponse) => void {
  const app = express();
  app.disable('x-powered-by');
  app.use('/api/v1', adminApi(exporter, options));
  return app;
}

export function adminApi(exporter: Exporter, options: AdminApiOptions = {}): Router {
  const router = express.Router();
  const log = exporter.log.child({ component: 'admin-api' });
  const settings = exporter.config.admin;
  const token = adminToken(exporter.config, options.env);
  if (!token) throw new Error('the admin API is disabled: no admin token');
  router.use(securityHeaders);
  router.use(cors(settings.corsOrigins));
  router.use(
    requireBearer(
      token,
      new FailureLimiter(settings.authFailuresPerMinute),
      log,
      clientAddress(settings.trustedProxies)
    )
  );
  router.use(requireJson);
  router.use(express.json({ limit: settings.maxBodyBytes, strict: true, type: 'application/json' }));

  const service = new AdminService(exporter, log);
  const document = openApiDocument();
  const param = (v: string | string[] | undefined) => (typeof v === 'string' ? v : '');

  router
    .route('/providers')
    .get((_req, res) => {
      res.json(service.providers());
    })
    .all(methodNotAllowed('GET'));
  router
    .route(ACCOUNT)
    .get((req, res) => {
      res.json(service.account(param(req.params.provider), param(req.params.account)));
    })
    .put(async (req, res) => {
      const { created, status } = await service.put(param(req.params.provider), param(req.params.account), req.body);
      res.status(created ? 201 : 200).json(status);
    })
    .delete(async (req, res) => {
      await service.remove(param(req.params.provider), param(req.params.account));
      res.status(204).end();
    })
    .all(methodNotAllowed('GET, PUT, DELETE'));
  router
    .route(`${ACCOUNT}/test`)
    .post(async (req, res) => {
      res.json(await service.test(param(req.params.provider), param(req.params.account), req.body));
    })
    .all(methodNotAllowed('POST'));
  router
    .route('/budgets')
    .get((_req, res) => {
      res.json(service.budgets());
    })
    .put(async (req, res) => {
      res.json(await service.putBudgets(req.body));
    })
    .all(methodNotAllowed('GET, PUT'));
  router
    .route('/openapi.json')
    .get((_req, res) => {
      res.json(document);
    })
    .all(methodNotAllowed('GET'));

  router.use((_req, res) =>
    sendError(res, new ApiError('NOT_FOUND', 'no such endpoint; see GET /api/v1/openapi.json'))
  );
  router.use(errorHandler(log));
  return router;
}
