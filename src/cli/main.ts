/** The `mutual` command: a router of subcommands (verifier, fetch, serve). */
import { fetchCommand, EXIT } from './fetch.ts';
import { UsageError } from './args.ts';
import { verifierCommand } from './verifier.ts';
import { appendVerifierEntry } from '../server/verifier-file.ts';
import { serveCommand } from './serve.ts';
import { proxyCommand } from './proxy.ts';
import { MutualError } from '../errors.ts';

const USAGE = `mutual — HTTP Mutual authentication (RFC 8120 / 8121 / 8053)

  mutual verifier --algorithm A --realm R --user U --auth-scope S [--file F]
      read a password on stdin, print the verifier J as one JSON line (and append it to F)
  mutual fetch URL --user U [--requests N] [--verbose] [--insecure] [--allow-host-validation]
      read a password on stdin, log in, verify the server on every response, make N more requests
      (--allow-host-validation: accept a server that asks for validation=host over HTTPS — a misconfiguration)
  mutual serve [--port P] [--host H] [--verifiers F] [--config F] [--demo-password P]
               [--tls self-signed | --tls-cert F --tls-key F]
      run the demo Mutual site (or one protected area: --origin URL --realm R --algorithm A --verifiers F);
      'mutual serve --help' lists every option
  mutual proxy --listen H:P --upstream URL --realm R --algorithm A --verifiers F [--paths /a/,/b/] [--redis URL --redis-key-file F]
      put Mutual authentication in front of an existing site; 'mutual proxy --help' lists every option

algorithms: iso-kam3-ec-p256-sha256, iso-kam3-ec-p521-sha512, iso-kam3-dl-2048-sha256, iso-kam3-dl-4096-sha512
exit codes (fetch): 0 every response authenticated the server, 1 usage (or internal error), 2 username/password refused,
  3 the server FAILED to prove it knows the verifier, 4 network error, 5 not authenticated / declined
`;

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const stdout = (s: string) => process.stdout.write(`${s}\n`);
  const stderr = (s: string) => process.stderr.write(`${s}\n`);
  try {
    switch (cmd) {
      case 'verifier':
        return await verifierCommand(rest, { stdout, append: appendVerifierEntry });
      case 'fetch':
        return await fetchCommand(rest, { stdout, stderr });
      case 'serve':
        return await serveCommand(rest);
      case 'proxy':
        return await proxyCommand(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return cmd === undefined ? EXIT.usage : EXIT.ok;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(cmd)}`);
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof MutualError) {
      stderr(`mutual ${cmd ?? ''}: ${e.message}`);
      if (e instanceof UsageError) stderr('run `mutual help` for usage');
      return EXIT.usage;
    }
    stderr(`mutual ${cmd ?? ''}: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return EXIT.usage;
  }
}
