/**
 * The floor for the full tree: the Engine API requests `ls --json` needs, with no processing.
 * GET /images/json, then GET /images/{id}/json and /images/{id}/history of every image, 8 in
 * flight, over a keep-alive unix socket; the answers are read, and only the list is parsed (for
 * the IDs). Prints the number of images and bytes received. Run as its own process, as the CLI is.
 *
 *   node out/test/bench/rawEngineTree.js SOCKET
 */
import * as http from 'http';

const socketPath = process.argv[2];
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

function get(path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const request = http.request({ socketPath, path, agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => (response.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`${path}: HTTP ${response.statusCode}`))));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

async function main(): Promise<void> {
  const list = JSON.parse((await get('/images/json')).toString()) as { Id: string }[];
  let next = 0;
  let bytes = 0;
  const worker = async () => {
    while (next < list.length) {
      const { Id } = list[next++];
      const [inspect, history] = await Promise.all([get(`/images/${Id}/json`), get(`/images/${Id}/history`)]);
      bytes += inspect.length + history.length;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  process.stdout.write(`${list.length} images, ${bytes} bytes\n`);
  agent.destroy();
}

if (!socketPath) {
  process.stderr.write('Usage: node out/test/bench/rawEngineTree.js SOCKET\n');
  process.exitCode = 2;
} else {
  main().catch((error: unknown) => {
    process.stderr.write(`rawEngineTree: ${(error as Error).message}\n`);
    process.exitCode = 1;
  });
}
