// pusher-js and Laravel Echo against a laravels-rs server with websocket.pusher on, as a
// Laravel app's front end uses them: Echo.channel/private/join, listen, whisper, here /
// joining / leaving, and toOthers() through X-Socket-ID.
// Usage: node pusher_client.mjs SCENARIO WS_PORT HTTP_BASE APP_KEY
// Prints one JSON object of what it observed; tests/e2e/test_pusher.py checks it.
import EchoModule from 'laravel-echo';
import PusherModule from 'pusher-js';

// Both packages are CommonJS for Node: their classes sit on `default` or are the module.
const Echo = EchoModule.default ?? EchoModule;
const Pusher = PusherModule.default ?? PusherModule;

const [scenario, wsPort, httpBase, appKey] = process.argv.slice(2);
const deadline = setTimeout(() => fail(new Error('timed out after 30 s')), 30000);

function fail(err) {
  process.stderr.write(`pusher_client: ${err.stack || err}\n`);
  process.exit(1);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A signed-in session of the example app: GET /login/{id} sets its cookies; the
// XSRF-TOKEN cookie goes back as X-XSRF-TOKEN, as axios does in a browser.
async function login(id) {
  const res = await fetch(`${httpBase}/login/${id}`);
  if (!res.ok) throw new Error(`login ${id}: ${res.status}`);
  const jar = {};
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const at = pair.indexOf('=');
    jar[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return {
    cookie: Object.entries(jar).map(([k, v]) => `${k}=${v}`).join('; '),
    xsrf: decodeURIComponent(jar['XSRF-TOKEN'] || ''),
  };
}

// An Echo over its own pusher-js connection; private and presence subscriptions are
// authorized by the app's POST /broadcasting/auth with the session's cookies.
async function connect(session) {
  const client = new Pusher(appKey, {
    cluster: 'local',
    wsHost: '127.0.0.1',
    wsPort: Number(wsPort),
    forceTLS: false,
    enabledTransports: ['ws'],
    channelAuthorization: {
      customHandler: async ({ socketId, channelName }, callback) => {
        try {
          const res = await fetch(`${httpBase}/broadcasting/auth`, {
            method: 'POST',
            headers: {
              'Content-Type': 'application/x-www-form-urlencoded',
              Accept: 'application/json',
              Cookie: session ? session.cookie : '',
              'X-XSRF-TOKEN': session ? session.xsrf : '',
            },
            body: new URLSearchParams({ socket_id: socketId, channel_name: channelName }),
          });
          if (!res.ok) return callback(new Error(`auth answered ${res.status}`), { status: res.status });
          callback(null, await res.json());
        } catch (e) {
          callback(e, null);
        }
      },
    },
  });
  const echo = new Echo({ broadcaster: 'pusher', key: appKey, client });
  await new Promise((resolve, reject) => {
    client.connection.bind('connected', resolve);
    client.connection.bind('failed', () => reject(new Error('pusher-js failed to connect')));
  });
  return echo;
}

// Resolves with the channel once subscribed; rejects with the subscription error.
const subscribed = (channel) => new Promise((resolve, reject) => {
  channel.subscribed(() => resolve(channel));
  channel.error((e) => reject(Object.assign(new Error('subscription refused'), { detail: e })));
});

// The next `event` on `channel` (Echo's listen), or `null` after `ms`.
const next = (channel, event, ms = 5000) => new Promise((resolve) => {
  const timer = setTimeout(() => resolve(null), ms);
  channel.listen(event, (data) => {
    clearTimeout(timer);
    resolve(data);
  });
});

async function broadcast(channel, message, socketId) {
  const headers = socketId ? { 'X-Socket-ID': socketId } : {};
  const res = await fetch(`${httpBase}/broadcast/${channel}/${message}${socketId ? '?others=1' : ''}`, { headers });
  if (!res.ok) throw new Error(`broadcast answered ${res.status}: ${await res.text()}`);
  return res.json();
}

const scenarios = {
  // A public channel and an event broadcast by a controller.
  async public() {
    const echo = await connect(null);
    const channel = await subscribed(echo.channel('news'));
    const got = next(channel, '.message.sent');
    await broadcast('news', 'hello-public');
    const out = { socketId: echo.socketId(), received: await got };
    echo.disconnect();
    return out;
  },

  // A private channel authorized by the app for its own user, and one it refuses.
  async private() {
    const echo = await connect(await login(1));
    const channel = await subscribed(echo.private('orders.1'));
    const got = next(channel, '.message.sent');
    await broadcast('private-orders.1', 'hello-private');
    const out = { received: await got };
    out.refused = await subscribed(echo.private('orders.2')).then(() => null, (e) => e.detail);
    echo.disconnect();
    return out;
  },

  // Two users on a presence channel: here / joining / leaving, a whisper (client event)
  // reaching the other and not the sender, toOthers() leaving the sender out.
  async presence() {
    const a = await connect(await login(1));
    const roomA = a.join('room.lobby');
    const hereA = new Promise((resolve) => roomA.here(resolve));
    const joining = new Promise((resolve) => roomA.joining(resolve));
    const leaving = new Promise((resolve) => roomA.leaving(resolve));
    const out = { hereA: await hereA };
    const b = await connect(await login(2));
    const roomB = b.join('room.lobby');
    out.hereB = await new Promise((resolve) => roomB.here(resolve));
    out.joining = await joining;

    const whisperToA = new Promise((resolve) => roomA.listenForWhisper('typing', resolve));
    let echoedToB = null;
    roomB.listenForWhisper('typing', (e) => { echoedToB = e; });
    roomB.whisper('typing', { name: 'user 2' });
    out.whisperToA = await whisperToA;

    // toOthers() from A's socket: B gets it, A does not.
    const toB = next(roomB, '.message.sent');
    const toA = next(roomA, '.message.sent', 1500);
    out.toOthersResponse = await broadcast('presence-room.lobby', 'not-for-a', a.socketId());
    out.toOthersB = await toB;
    out.toOthersA = await toA;
    out.whisperEchoedToB = echoedToB;

    b.disconnect();
    out.leaving = await leaving;
    a.disconnect();
    return out;
  },
};

scenarios[scenario]()
  .then((out) => {
    clearTimeout(deadline);
    process.stdout.write(JSON.stringify(out));
    process.exit(0);
  })
  .catch(fail);
