<?php

namespace App\Services;

use Hhxsv5\LaravelS\Swoole\WebSocketHandlerInterface;
use Swoole\Http\Request;
use Swoole\WebSocket\Frame;
use Swoole\WebSocket\Server;

/**
 * A handler the end-to-end tests and benchmarks drive: it echoes every message with its
 * opcode, and answers a few commands (text messages starting with '!'). As the Laravel
 * example's, but Lumen has no session: onOpen reports no user and no session value.
 */
class EchoWebSocket implements WebSocketHandlerInterface
{
    /** @var array fd => what onOpen saw, kept in this worker */
    private $opened = [];

    public function __construct()
    {
    }

    public function onOpen(Server $server, Request $request)
    {
        $seen = [
            'fd' => $request->fd,
            'user' => null,
            'session' => null,
            'query' => $request->get['q'] ?? null,
            'route' => request()->path(),
            'ip' => request()->ip(),
            'established' => $server->isEstablished($request->fd),
            'pid' => getmypid(),
        ];
        $this->opened[$request->fd] = $seen;
        if (($request->get['greet'] ?? '1') !== '0') {
            $server->push($request->fd, json_encode(['open' => $seen]));
        }
    }

    public function onMessage(Server $server, Frame $frame)
    {
        if ($frame->opcode !== WEBSOCKET_OPCODE_TEXT || ($frame->data[0] ?? '') !== '!') {
            $server->push($frame->fd, $frame->data, $frame->opcode);

            return;
        }
        [$command, $arg] = array_pad(explode(' ', substr($frame->data, 1), 2), 2, '');
        switch ($command) {
            case 'info':
                $server->push($frame->fd, json_encode($server->getClientInfo($frame->fd)));
                break;
            case 'stats':
                $server->push($frame->fd, json_encode($server->stats()));
                break;
            case 'pid':
                $server->push($frame->fd, (string) getmypid());
                break;
            case 'bind':
                $server->push($frame->fd, json_encode(['bound' => $server->bind($frame->fd, (int) $arg), 'uid' => $server->getClientInfo($frame->fd)['uid'] ?? null]));
                break;
            case 'broadcast':
                $sent = 0;
                foreach ($server->connections as $fd) {
                    if ($server->isEstablished($fd) && $server->push($fd, $arg)) {
                        $sent++;
                    }
                }
                $server->push($frame->fd, "broadcast sent to $sent");
                break;
            case 'disconnect':
                [$code, $reason] = array_pad(explode(' ', $arg, 2), 2, '');
                $server->disconnect($frame->fd, (int) $code, $reason);
                break;
            case 'close':
                $server->close($frame->fd);
                break;
            case 'sleep':
                usleep((int) $arg * 1000);
                $server->push($frame->fd, "slept $arg");
                break;
            case 'throw':
                throw new \RuntimeException('thrown on purpose in onMessage');
            case 'fatal':
                ini_set('memory_limit', '32M');
                $hog = str_repeat('x', 64 * 1024 * 1024);
                break;
            case 'exists':
                $server->push($frame->fd, json_encode(['exists' => $server->exists((int) $arg), 'established' => $server->isEstablished((int) $arg)]));
                break;
            case 'push':
                [$fd, $text] = array_pad(explode(' ', $arg, 2), 2, '');
                $server->push($frame->fd, json_encode(['pushed' => $server->push((int) $fd, $text)]));
                break;
            case 'pushall':
                $server->push($frame->fd, json_encode(['pushedAll' => $server->pushAll($arg)]));
                break;
            case 'pushuid':
                [$uid, $text] = array_pad(explode(' ', $arg, 2), 2, '');
                $server->push($frame->fd, json_encode(['pushedToUid' => $server->pushToUid((int) $uid, $text)]));
                break;
            case 'kick':
                $server->push($frame->fd, json_encode(['kicked' => $server->disconnect((int) $arg, 4000, 'kicked')]));
                break;
            default:
                $server->push($frame->fd, "unknown command $command");
        }
    }

    public function onClose(Server $server, $fd, $reactorId)
    {
        unset($this->opened[$fd]);
        $dir = storage_path('app/ws');
        @mkdir($dir, 0777, true);
        file_put_contents("$dir/closed-$fd", json_encode(['push' => $server->push($fd, 'too late'), 'info' => $server->getClientInfo($fd)]));
    }
}
