/** Start the real `mutual serve` (bin/mutual.js) as a child process and wait for its "listening on" line. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/mutual.js', import.meta.url));

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

export function startServe(args: string[], timeoutMs = 20_000): Promise<ServeProcess> {
  return startMutualProcess('serve', args.includes('--port') ? args : ['--port', '0', ...args], timeoutMs);
}

/** Start a `mutual` server command (`serve`, `proxy`) as a child process; resolves on its "listening on" line. */
export function startMutualProcess(command: string, args: string[], timeoutMs = 20_000): Promise<ServeProcess> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [BIN, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mutual ${command} did not start in time:\n${out}`));
    }, timeoutMs);
    const onData = (c: Buffer) => {
      out += c.toString('utf8');
      const m = /listening on (https?:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1]!.replace(/\/$/, ''),
          child,
          output: () => out,
          stop: () =>
            new Promise<void>((r) => {
              if (child.exitCode !== null) return r();
              child.once('exit', () => r());
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`mutual ${command} exited with ${code}:\n${out}`));
    });
  });
}

/** A port that was free a moment ago on 127.0.0.1 (for servers whose origin must be known before they start). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
