<?php

namespace LaravelS\Tests\Transport;

use LaravelS\Task\Task;
use LaravelS\Tests\Support\FakeTransport;
use LaravelS\Transport\CurrentTransport;
use LaravelS\Transport\ExtensionTransport;
use PHPUnit\Framework\TestCase;

/** The package reaches the extension's Worker and Sapi through the transport only. */
final class SeamTest extends TestCase
{
    protected function tearDown(): void
    {
        CurrentTransport::set(null);
    }

    public function testOnlyExtensionTransportNamesTheExtensionsWorkerAndSapi(): void
    {
        $root = dirname(__DIR__, 3) . '/php';
        $naming = [];
        foreach (new \RecursiveIteratorIterator(new \RecursiveDirectoryIterator($root, \FilesystemIterator::SKIP_DOTS)) as $file) {
            if ($file->getExtension() === 'php' && preg_match('/\b(Worker|Sapi)::|Runtime\\\\(Worker|Sapi)\b/', file_get_contents($file->getPathname()))) {
                $naming[] = substr($file->getPathname(), strlen($root) + 1);
            }
        }

        $this->assertSame(['Transport/ExtensionTransport.php'], $naming);
    }

    public function testTheCurrentTransportIsTheExtensionsUntilAProcessBindsItsOwn(): void
    {
        $this->assertInstanceOf(ExtensionTransport::class, CurrentTransport::get());
        $this->assertSame(CurrentTransport::get(), CurrentTransport::get());

        $fake = new FakeTransport();
        CurrentTransport::set($fake);
        $this->assertSame($fake, CurrentTransport::get());
    }

    public function testATaskIsDeliveredThroughTheCurrentTransport(): void
    {
        $fake = new FakeTransport();
        $fake->connect();
        CurrentTransport::set($fake);

        $this->assertTrue(SeamProbeTask::deliver((new SeamProbeTask())->delay(2)));
        [[$payload, $finish, $delayMs]] = $fake->delivered;
        $this->assertInstanceOf(SeamProbeTask::class, unserialize($payload));
        $this->assertFalse($finish, 'no finish() to come back for');
        $this->assertSame(2000, $delayMs);
    }

    public function testServersMadeByUserCodeSendThroughTheCurrentTransport(): void
    {
        $given = new FakeTransport();
        $current = new FakeTransport();
        CurrentTransport::set($current);

        (new \LaravelS\Server\WebSocketServer([], '', 0, [], $given))->disconnect(3, 1000, 'bye');
        (new \Swoole\WebSocket\Server([]))->disconnect(4, 1001, 'away');

        $this->assertSame([[3, 1000, 'bye']], $given->callsOf('disconnect'));
        $this->assertSame([[4, 1001, 'away']], $current->callsOf('disconnect'));
    }

    public function testPushAllAndPushToUidAreOneFanoutEach(): void
    {
        $given = new FakeTransport();
        $server = new \LaravelS\Server\WebSocketServer([], '', 0, [], $given);

        $this->assertTrue($server->pushAll('to all'));
        $this->assertTrue($server->pushToUid(42, "\x00\x01", 2));
        $this->assertTrue($server->pushAll(\Swoole\WebSocket\Frame::make(0, 2, 'framed')));

        $this->assertSame([[null, 'to all', 1], [42, "\x00\x01", 2], [null, 'framed', 2]], $given->fanouts);
    }

    public function testAFanoutWithABadUidOrOpcodeWarnsAndSendsNothing(): void
    {
        $given = new FakeTransport();
        $server = new \LaravelS\Server\WebSocketServer([], '', 0, [], $given);
        $warnings = [];
        set_error_handler(function (int $no, string $message) use (&$warnings) {
            $warnings[] = $message;

            return true;
        });
        try {
            $this->assertFalse($server->pushToUid(0, 'x'));
            $this->assertFalse($server->pushAll('x', 8));
        } finally {
            restore_error_handler();
        }

        $this->assertSame([], $given->fanouts);
        $this->assertCount(2, $warnings);
        $this->assertStringContainsString('pushToUid(): $uid', $warnings[0]);
        $this->assertStringContainsString('pushAll(): $opcode', $warnings[1]);
    }
}

/** A task with no finish(). */
final class SeamProbeTask extends Task
{
    public function handle()
    {
    }
}
