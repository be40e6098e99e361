/**
 * A real `redis-server` (Debian package; scripts/ensure-redis.sh installs it) on a free port of 127.0.0.1,
 * without persistence, for the Redis session-store tests. Never a mock.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from './serve-process.ts';

export interface RedisServer {
  port: number;
  url: string;
  /** Send one command (RESP inline) and return the raw reply text. */
  command(...args: string[]): Promise<string>;
  /** used_memory of INFO memory, in bytes. */
  usedMemory(): Promise<number>;
  dbsize(): Promise<number>;
  stop(): Promise<void>;
  /** Stop, then start again on the same port (empty: no persistence). */
  restart(): Promise<void>;
}

function startProcess(port: number, extra: readonly string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes',
      '--loglevel', 'warning', ...extra,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (c: Buffer) => (out += c.toString());
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
    const deadline = Date.now() + 10_000;
    const poll = () => {
      send(port, ['PING']).then(
        (r) => (r.startsWith('+PONG') ? resolve(child) : setTimeout(poll, 50)),
        () => (Date.now() > deadline ? reject(new Error(`redis-server did not answer on ${port}: ${out}`)) : setTimeout(poll, 50)),
      );
    };
    poll();
  });
}

function send(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    sock.on('connect', () => {
      sock.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
    });
    sock.on('data', (c: Buffer) => {
      chunks.push(c);
      const text = Buffer.concat(chunks).toString('utf8');
      // Simple replies end at the first CRLF; bulk replies carry their length.
      const m = /^\$(\d+)\r\n/.exec(text);
      if ((m && text.length >= m[0].length + Number(m[1]) + 2) || (!m && !text.startsWith('$') && text.endsWith('\r\n'))) {
        sock.end();
        resolve(text);
      }
    });
    sock.on('error', reject);
  });
}

export interface RedisServerOptions {
  /** Where `SAVE` writes dump.rdb (uncompressed, so a test can search it for plain bytes). */
  dir?: string;
}

export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const extra = options.dir !== undefined ? ['--dir', options.dir, '--rdbcompression', 'no'] : [];
  let child = await startProcess(port, extra);
  const stopChild = (): Promise<void> =>
    new Promise((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.removeAllListeners('exit');
      child.once('exit', () => done());
      child.kill('SIGKILL');
    });
  const r: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    command: (...args) => send(port, args),
    async usedMemory() {
      const info = await send(port, ['INFO', 'memory']);
      return Number(/used_memory:(\d+)/.exec(info)![1]);
    },
    async dbsize() {
      return Number(/^:(\d+)/.exec(await send(port, ['DBSIZE']))![1]);
    },
    stop: stopChild,
    async restart() {
      await stopChild();
      child = await startProcess(port, extra);
    },
  };
  return r;
}
