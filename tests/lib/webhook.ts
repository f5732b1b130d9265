// A webhook receiver for Alertmanager notifications: keeps every notification it gets, with the path
// it was posted to (the e2e config posts receiver `x` to `/x`).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  fingerprint?: string;
}

/** Alertmanager's webhook payload (version 4). */
export interface Notification {
  path: string;
  receivedAt: number;
  receiver: string;
  status: 'firing' | 'resolved';
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  alerts: WebhookAlert[];
}

export class WebhookReceiver {
  readonly notifications: Notification[] = [];
  private server?: Server;
  url = '';
  /** Called for every notification (the demo stack prints them). */
  onNotification?: (n: Notification) => void;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Omit<Notification, 'path' | 'receivedAt'>;
          const n: Notification = { ...body, path: req.url ?? '/', receivedAt: Date.now() };
          this.notifications.push(n);
          this.onNotification?.(n);
          res.writeHead(200).end();
        } catch {
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  /** Every alert delivered, flattened, with the notification's receiver. */
  alerts(): Array<WebhookAlert & { receiver: string; receivedAt: number }> {
    return this.notifications.flatMap((n) =>
      n.alerts.map((a) => ({ ...a, receiver: n.receiver, receivedAt: n.receivedAt }))
    );
  }

  /** The first delivered alert matching `labels` with `status`, received at or after `since`. */
  find(labels: Record<string, string>, status: 'firing' | 'resolved', since = 0) {
    return this.alerts().find(
      (a) => a.status === status && a.receivedAt >= since && Object.entries(labels).every(([k, v]) => a.labels[k] === v)
    );
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
