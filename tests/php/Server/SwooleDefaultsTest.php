<?php

namespace LaravelS\Tests\Server;

use LaravelS\Config\SocketConfig;
use LaravelS\Server\Frame;
use LaravelS\Server\WebSocketServer;
use LaravelS\Tests\Support\FakeTransport;
use PHPUnit\Framework\TestCase;

/**
 * Swoole's documented defaults work (`sendto($ip, $port, $data)`, `push($fd, $data)`), and an
 * argument this runtime cannot honour is an E_USER_WARNING naming it, not a silent false.
 */
final class SwooleDefaultsTest extends TestCase
{
    private FakeTransport $transport;
    private ?array $warning = null;

    protected function setUp(): void
    {
        $this->transport = new FakeTransport();
        set_error_handler(function (int $level, string $message): bool {
            $this->warning = [$level, $message];

            return true;
        });
    }

    protected function tearDown(): void
    {
        restore_error_handler();
    }

    /** A TCP port at index 1 and a UDP port at index 2, as `sockets` numbers them. */
    private function server(): WebSocketServer
    {
        return new WebSocketServer([], '127.0.0.1', 5200, [
            new SocketConfig(1, 'sockets.0', '127.0.0.1', 5301, 1, 'tcp', false, 'T', []),
            new SocketConfig(2, 'sockets.1', '127.0.0.1', 5302, 2, 'udp', false, 'U', []),
        ], $this->transport);
    }

    public function testSendtoWithThreeArgumentsSendsFromTheUdpPort(): void
    {
        $this->assertTrue($this->server()->sendto('127.0.0.1', 9000, 'hi'));
        $this->assertSame([['sendTo', [-1, '127.0.0.1', 9000, 'hi']]], $this->transport->calls);
        $this->assertTrue($this->server()->sendto('::1', 9000, 'hi', 2));
        $this->assertNull($this->warning);
    }

    public function testSendtoNamesTheArgumentItCannotHonour(): void
    {
        $cases = [
            [['127.0.0.1', 9000, 'x', 1], '$serverSocket'], // a TCP port
            [['127.0.0.1', 9000, 'x', 7], '$serverSocket'], // no port at all
            [['localhost', 9000, 'x'], '$ip'],
            [['127.0.0.1', 0, 'x'], '$port'],
        ];
        foreach ($cases as [$args, $argument]) {
            $this->warning = null;
            $this->assertFalse($this->server()->sendto(...$args));
            $this->assertSame(E_USER_WARNING, $this->warning[0] ?? null);
            $this->assertStringContainsString("sendto(): $argument", $this->warning[1]);
        }
        $this->assertSame([], $this->transport->calls, 'nothing was sent');
        $this->warning = null;
        $this->assertFalse((new WebSocketServer([], '127.0.0.1', 5200, [], $this->transport))->sendto('127.0.0.1', 9000, 'x'));
        $this->assertStringContainsString('there is none', $this->warning[1]);
    }

    public function testPushWithSwoolesDefaultsAndItsFlags(): void
    {
        $server = $this->server();
        $this->transport->established = [5];
        $this->assertTrue($server->push(5, 'a'));
        $this->assertTrue($server->push(5, 'b', 2, true));
        $this->assertTrue($server->push(5, Frame::make(5, 2, 'c')));
        $this->assertNull($this->warning);
        $this->assertFalse($server->push(5, 'part', 1, false));
        $this->assertStringContainsString('push(): $flags', $this->warning[1]);
        $this->warning = null;
        $this->assertTrue($server->push(5, 'packed', 1, 1 | 2), 'SWOOLE_WEBSOCKET_FLAG_COMPRESS: sent uncompressed, with a warning');
        $this->assertStringContainsString('push(): $flags', $this->warning[1]);
        $this->warning = null;
        $this->assertFalse($server->push(5, 'x', 8));
        $this->assertStringContainsString('push(): $opcode', $this->warning[1]);
        $pushes = array_map(fn ($c) => $c[1], array_filter($this->transport->calls, fn ($c) => $c[0] === 'push'));
        $this->assertSame([[5, 'a', 1], [5, 'b', 2], [5, 'c', 2], [5, 'packed', 1]], array_values($pushes));
    }
}
