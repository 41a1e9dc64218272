/**
 * A minimal Socket.IO v5 / Engine.IO v4 client over `ws` for the fan-out benchmark: connect with a token,
 * `subscribe` with acknowledgement, answer pings, and report each `change` by its seq and `at` — read from the
 * head of the frame instead of decoding the whole message.
 *
 * Why: 1,000 clients × 200 changes/s is 200,000 messages/s into the one load-generator process. socket.io-client
 * decodes every message completely (Engine.IO + Socket.IO parser + JSON.parse + emitter), which costs the load
 * generator more than a core on its own and would make the benchmark measure itself. This client speaks the same
 * wire protocol over the same WebSocket library, so the server does exactly the same work per client; only
 * the client's decoding is cheaper. The benchmark still runs a share of real socket.io-client clients and
 * reports their latency separately.
 */
import WebSocket from 'ws';

export type ChangeHandler = (seq: number, atMs: number, recvMs: number) => void;

const SEQ = Buffer.from('"seq":');
const AT = Buffer.from('"at":"');
const CHANGE = Buffer.from('42["change",');
const CHANGES = Buffer.from('42["changes",');
const EVENT = Buffer.from('{"seq":');

function readInt(buf: Buffer, from: number): number {
  let n = 0;
  for (let i = from; i < buf.length; i++) {
    const c = buf[i];
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
  }
  return n;
}

export class LightClient {
  private ws!: WebSocket;
  private ackId = 0;
  private readonly acks = new Map<number, (data: unknown) => void>();
  onChange: ChangeHandler = () => {};
  onDisconnect: () => void = () => {};

  constructor(
    private readonly url: string,
    private readonly token: string,
    private readonly now: () => number,
  ) {}

  /** Opens the WebSocket, waits for the Engine.IO open packet, then connects the main namespace with the token. */
  connect(timeoutMs = 20_000): Promise<void> {
    const wsUrl = `${this.url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error('connect timeout')), timeoutMs);
      const fail = (err: Error) => {
        clearTimeout(timer);
        this.ws?.terminate();
        reject(err);
      };
      this.ws = new WebSocket(wsUrl, { perMessageDeflate: false, skipUTF8Validation: true });
      this.ws.on('error', fail);
      let connected = false;
      this.ws.on('close', () => {
        if (connected) this.onDisconnect();
        else fail(new Error('closed before connect'));
      });
      this.ws.on('message', (data: Buffer) => {
        const t = this.now();
        const type = data[0];
        if (type === 0x34 /* '4' message */) {
          const sio = data[1];
          if (sio === 0x32 /* '2' event */) {
            if (data.indexOf(CHANGES) === 0) {
              // A batch (bench/baseline-server.ts BATCH_MS): every event object starts with {"seq":
              for (let e = data.indexOf(EVENT, CHANGES.length); e >= 0; e = data.indexOf(EVENT, e + EVENT.length)) {
                const a = data.indexOf(AT, e);
                if (a < 0) break;
                const at = Date.parse(data.toString('latin1', a + AT.length, a + AT.length + 24));
                this.onChange(readInt(data, e + EVENT.length), at, t);
              }
              return;
            }
            if (data.indexOf(CHANGE) !== 0) return;
            const s = data.indexOf(SEQ, CHANGE.length);
            const a = data.indexOf(AT, CHANGE.length);
            if (s < 0 || a < 0) return;
            const at = Date.parse(data.toString('latin1', a + AT.length, a + AT.length + 24));
            this.onChange(readInt(data, s + SEQ.length), at, t);
          } else if (sio === 0x33 /* '3' ack: 43<id>[...] */) {
            const text = data.toString('utf8', 2);
            const bracket = text.indexOf('[');
            const id = Number(text.slice(0, bracket));
            const cb = this.acks.get(id);
            this.acks.delete(id);
            cb?.((JSON.parse(text.slice(bracket)) as unknown[])[0]);
          } else if (sio === 0x30 /* '0' connect */) {
            connected = true;
            clearTimeout(timer);
            resolve();
          } else if (sio === 0x34 /* '4' connect error */) {
            fail(new Error(`connect_error ${data.toString('utf8', 2)}`));
          }
        } else if (type === 0x32 /* '2' ping */) {
          this.ws.send('3');
        } else if (type === 0x30 /* '0' open */) {
          this.ws.send(`40${JSON.stringify({ token: this.token })}`);
        }
      });
    });
  }

  /** `subscribe {region}` with acknowledgement; resolves the ack's seq. */
  subscribe(region: string, batch = false, timeoutMs = 20_000): Promise<number> {
    const id = this.ackId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('subscribe timeout')), timeoutMs);
      this.acks.set(id, (ack) => {
        clearTimeout(timer);
        const a = ack as { ok: boolean; seq?: number; error?: string };
        if (a?.ok) resolve(a.seq!);
        else reject(new Error(`subscribe ${region}: ${a?.error}`));
      });
      this.ws.send(`42${id}${JSON.stringify(['subscribe', batch ? { region, batch } : { region }])}`);
    });
  }

  close() {
    this.onDisconnect = () => {};
    this.ws.close();
  }
}
