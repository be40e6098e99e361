/** `mutual serve` in a child process for the tests (the real CLI entry is bin/mutual.js → src/cli/main.ts). */
import { serveCommand } from '../../src/cli/serve.ts';

process.exitCode = await serveCommand(process.argv.slice(2));
