// Node's `ws` client against a laravels-rs server running App\Services\EchoWebSocket.
// Usage: node ws_client.mjs ws://127.0.0.1:PORT http://127.0.0.1:PORT
// Prints one JSON object of what it observed; tests/e2e/test_websocket_node.py checks it.
import WebSocket from 'ws';

const [wsBase, httpBase] = process.argv.slice(2);
const deadline = setTimeout(() => fail(new Error('timed out after 30 s')), 30000);

function fail(err) {
  process.stderr.write(`ws_client: ${err.stack || err}\n`);
  process.exit(1);
}

// Opens a connection and returns it with a `next()` that resolves to the next message.
function open(url, protocols) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    const queue = [];
    const waiters = [];
    ws.on('message', (data, isBinary) => {
      const msg = { data: Buffer.from(data), isBinary };
      const w = waiters.shift();
      w ? w.resolve(msg) : queue.push(msg);
    });
    ws.closed = new Promise((done) => ws.on('close', (code, reason) => {
      for (const w of waiters.splice(0)) w.reject(new Error(`closed (${code}) while waiting for a message`));
      done({ code, reason: reason.toString() });
    }));
    ws.next = () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((res, rej) => waiters.push({ resolve: res, reject: rej })));
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`handshake answered ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

const text = (m) => ({ text: m.data.toString('utf8'), isBinary: m.isBinary });

async function main() {
  const out = {};
  // Subprotocols offered: the default handshake accepts the first one.
  const ws = await open(`${wsBase}/ws?q=node`, ['chat', 'superchat']);
  out.protocol = ws.protocol;
  out.extensions = ws.extensions;
  out.welcome = JSON.parse((await ws.next()).data.toString()).open;

  ws.send('hello from node ✓');
  out.text = text(await ws.next());

  ws.send(Buffer.from([0, 1, 2, 253, 254, 255]));
  const bin = await ws.next();
  out.binary = { hex: bin.data.toString('hex'), isBinary: bin.isBinary };

  // A fragmented message: ws writes one frame per send() until fin.
  ws.send('frag', { fin: false });
  ws.send('men', { fin: false });
  ws.send('ted', { fin: true });
  out.fragmented = text(await ws.next());
  ws.send(Buffer.from('bin-'), { binary: true, fin: false });
  ws.send(Buffer.from('frag'), { binary: true, fin: true });
  const binFrag = await ws.next();
  out.binaryFragmented = { text: binFrag.data.toString(), isBinary: binFrag.isBinary };

  const big = Buffer.alloc(300 * 1024, 'z');
  ws.send(big);
  const bigEcho = await ws.next();
  out.big = { length: bigEcho.data.length, same: bigEcho.data.equals(big), isBinary: bigEcho.isBinary };

  out.pong = await new Promise((resolve) => {
    ws.once('pong', (data) => resolve(data.toString()));
    ws.ping('are you there');
  });

  // A push the application sends from an HTTP request, to this connection's fd.
  const pushed = await fetch(`${httpBase}/ws/push/${out.welcome.fd}/pushed-over-http`);
  out.pushResponse = await pushed.json();
  out.push = text(await ws.next());

  ws.close(4000, 'node says bye');
  out.clientClose = await ws.closed;

  // The other direction: the server starts the close handshake.
  const ws2 = await open(`${wsBase}/ws?greet=0`);
  ws2.send('!disconnect 4001 server says bye');
  out.serverClose = await ws2.closed;

  clearTimeout(deadline);
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch(fail);
