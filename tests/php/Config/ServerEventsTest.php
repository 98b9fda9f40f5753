<?php

namespace LaravelS\Tests\Config;

use LaravelS\Bridge\ServerEvents;
use LaravelS\Server\HttpServer;
use LaravelS\Tests\Fixtures\UserCode\WorkerStartHandler;
use LaravelS\Tests\Support\ConfigView;
use PHPUnit\Framework\TestCase;

/** `event_handlers` from the view: PHP checks the classes, the extension the rest. */
final class ServerEventsTest extends TestCase
{
    public function testHandlersRunFromTheView(): void
    {
        $eventHandlers = ['WorkerStart' => [WorkerStartHandler::class]] + ConfigView::with()['event_handlers'];
        $handlers = ConfigView::server(['event_handlers' => $eventHandlers])->eventHandlers;
        $events = new ServerEvents($handlers);
        WorkerStartHandler::$calls = [];
        $server = new HttpServer(ConfigView::server()->setting);

        $events->fire('WorkerStart', $server, 3);
        $events->fire('WorkerStop', $server, 3);

        $this->assertSame([[$server, 3]], WorkerStartHandler::$calls);
    }

    public function testAMissingClassNamesItsEntry(): void
    {
        $this->expectException(\InvalidArgumentException::class);
        $this->expectExceptionMessageMatches('/^laravels\.event_handlers\.WorkerStart\.0: App\\\\Nope is not a class implementing /');

        new ServerEvents(['WorkerStart' => ['App\Nope']] + ConfigView::with()['event_handlers']);
    }
}
