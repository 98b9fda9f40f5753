<?php

namespace LaravelS\Tests\Compat;

use LaravelS\Contracts\CustomProcess;
use LaravelS\Contracts\Events;
use LaravelS\Contracts\WebSocketHandler;
use LaravelS\Server\HttpServer;
use LaravelS\Tests\Fixtures\UserCode;
use PHPUnit\Framework\TestCase;

/**
 * Classes written for LaravelS (Hhxsv5 interfaces, Swoole\ parameter types) load and
 * run against this package unchanged.
 */
final class UserClassesTest extends TestCase
{
    public function testHandlersLoadWithoutTheSwooleClassesTheyName(): void
    {
        $this->assertInstanceOf(WebSocketHandler::class, new UserCode\WebSocketService());
        $this->assertTrue(is_subclass_of(UserCode\TestProcess::class, CustomProcess::class));
        $this->assertInstanceOf(Events\ServerStart::class, new UserCode\ServerEventsHandler());
        $this->assertInstanceOf(Events\ServerStop::class, new UserCode\ServerEventsHandler());
        $this->assertInstanceOf(Events\WorkerStop::class, new UserCode\WorkerStopHandler());
        $this->assertInstanceOf(Events\WorkerError::class, new UserCode\WorkerErrorHandler());

        // The Swoole\ types in the handlers' signatures are this package's classes.
        $this->assertInstanceOf(\LaravelS\Server\Frame::class, new \Swoole\WebSocket\Frame());
        $this->assertInstanceOf(\LaravelS\Server\Request::class, new \Swoole\Http\Request());
        $this->assertInstanceOf(\LaravelS\Server\Response::class, new \Swoole\Http\Response());
        $this->assertTrue(is_subclass_of(\Swoole\WebSocket\Server::class, \Swoole\Http\Server::class));
        $this->assertTrue(is_subclass_of(\Swoole\Http\Server::class, \Swoole\Server::class));
    }

    public function testAHandlerReceivesOurServerWhereItTypeHintsSwooles(): void
    {
        $server = new HttpServer(['worker_num' => 2]);
        UserCode\WorkerStartHandler::$calls = [];

        (new UserCode\WorkerStartHandler())->handle($server, 1);

        $this->assertSame([[$server, 1]], UserCode\WorkerStartHandler::$calls);
    }

    public function testAHandlerMaySpellTheServerTypeWithOurClassName(): void
    {
        // Linking this class compares HttpServer with Swoole\Http\Server, loading both.
        $this->assertInstanceOf(Events\WorkerStart::class, new UserCode\TypedWorkerStartHandler());
    }
}
