<?php

namespace LaravelS\Tests\Bridge;

use LaravelS\Tests\Fixtures\BridgeApp\ProbeSessions;
use LaravelS\Tests\Fixtures\BridgeApp\ProbeTask;
use LaravelS\Tests\Fixtures\BridgeApp\ProbeTcp;
use LaravelS\Tests\Fixtures\BridgeApp\ProbeWebSocket;
use LaravelS\Tests\Support\BridgeApp;
use LaravelS\Tests\Support\FakeTransport;
use LaravelS\Tests\Support\Php;
use LaravelS\Transport\CurrentTransport;
use PHPUnit\Framework\TestCase;

/**
 * The worker loop against an in-memory master: messages in, answers out, and what one
 * message leaves behind is gone before the next.
 */
final class WorkerLoopTest extends TestCase
{
    /** @var BridgeApp|null */
    private $app;

    protected function tearDown(): void
    {
        $this->app?->remove();
    }

    public function testRequestsAreAnsweredInOrderAndTheNextSeesNothingOfTheOneBefore(): void
    {
        $transport = $this->serve([
            FakeTransport::request('GET', '/config/set/changed'),
            FakeTransport::request('GET', '/config'),
            FakeTransport::request('GET', '/nowhere'),
        ]);

        $this->assertSame(
            ['set', '{"value":null,"locale":"en"}', 'Symfony\Component\HttpKernel\Exception\NotFoundHttpException'],
            array_column($transport->responses, 'body')
        );
        $this->assertSame([200, 200, 404], array_column($transport->responses, 'status'));
        $this->assertSame(['X_VERSION' => 'test'], $transport->serverDefaults);
        $this->assertSame(
            ['setServerDefaults', 'connect', ...array_merge(...array_fill(0, 3, ['next', 'beginSapi', 'sapiHeaders', 'respond', 'endSapi'])), 'next'],
            array_column($transport->calls, 0)
        );
        $this->assertSame($transport, CurrentTransport::get(), 'Task::deliver() in this process reaches the same transport');
    }

    public function testWhatARequestEchoesIsTheBodyWhenItsResponseHasNone(): void
    {
        $transport = $this->serve([FakeTransport::request('GET', '/printed'), FakeTransport::request('GET', '/hello')]);

        $this->assertSame(['printed by the route', '{"hello":"world"}'], array_column($transport->responses, 'body'));
    }

    public function testATaskRunsAndGoesBackToItsOriginForFinish(): void
    {
        $transport = $this->serve([
            FakeTransport::task(new ProbeTask('a'), 3),
            FakeTransport::task(new ProbeTask('b')),
            FakeTransport::request('GET', '/config'),
        ], true);

        $this->assertSame(['handle a', 'handle b'], ProbeTask::$log);
        [[$back, $origin], [$none, $noOrigin]] = $transport->tasksDone;
        $this->assertSame(3, $origin);
        $this->assertInstanceOf(ProbeTask::class, unserialize($back));
        $this->assertSame('a', unserialize($back)->name);
        $this->assertNull($none, 'without an origin nothing goes back');
        $this->assertNull($noOrigin);
        $this->assertSame('{"value":null,"locale":"en"}', $transport->responses[0]['body'], "the task's config change is gone");
    }

    public function testAFinishRunsInTheWorkerThatDeliveredTheTask(): void
    {
        $transport = $this->serve([FakeTransport::finish(serialize(new ProbeTask('c'))), FakeTransport::request('GET', '/config')]);

        $this->assertSame(['finish c'], ProbeTask::$log);
        $this->assertSame(1, $transport->finishesDone);
        $this->assertSame('{"value":null,"locale":"en"}', $transport->responses[0]['body'], "finish()'s config change is gone");
    }

    public function testARequestDeliversATaskThroughTheTransport(): void
    {
        $transport = $this->serve([FakeTransport::request('GET', '/deliver/d')]);

        $this->assertSame('queued', $transport->responses[0]['body']);
        [[$payload, $finish, $delay]] = $transport->delivered;
        $this->assertSame('d', unserialize($payload)->name);
        $this->assertTrue($finish, 'ProbeTask has finish()');
        $this->assertSame(0, $delay);
    }

    public function testAWebSocketConnectionOpensExchangesMessagesAndCloses(): void
    {
        $transport = $this->serve([
            FakeTransport::open(7, '/ws?name=ann', ['Host' => 'chat.test']),
            FakeTransport::message(7, 'hi'),
            FakeTransport::message(7, 'again'),
            FakeTransport::close(7),
        ]);

        [$handshake] = $transport->responses;
        $this->assertSame(101, $handshake['status']);
        $this->assertSame('', $handshake['body']);
        $this->assertSame(['websocket'], $handshake['headers']['Upgrade']);
        $this->assertSame([7], $transport->established);
        $this->assertSame([
            [7, 'welcome ann, path ws', 1],
            [7, 'echo:hi:booted:http://localhost/home', 1],
            [7, 'echo:again:booted:http://localhost/home', 1],
        ], $transport->pushes, 'config and URLs are the booted ones in each message, not what the handshake or the message before left');
        $sessions = array_values(ProbeSessions::all());
        $this->assertCount(1, $sessions);
        $this->assertSame(7, $sessions[0]['ws']['opened'] ?? null, "what onOpen wrote to the handshake's session is saved");
        $this->assertSame([7], ProbeWebSocket::$closed);
        $this->assertSame(3, $transport->eventsDone);
        $calls = array_column($transport->calls, 0);
        $this->assertLessThan(array_search('push', $calls, true), array_search('establish', $calls, true), 'onOpen may push: the fd is established first');
        $this->assertLessThan(array_search('respond', $calls, true), array_search('push', $calls, true), "onOpen's push is queued before the 101");
    }

    public function testWithoutAWebSocketHandlerAHandshakeIsRefused(): void
    {
        $this->app = BridgeApp::create(['websocket' => ['enable' => false, 'handler' => null]]);
        $transport = $this->app->serve(new FakeTransport([FakeTransport::open(8), FakeTransport::message(8, 'x'), FakeTransport::close(8)]));

        $this->assertSame([[400, 'WebSocket is not enabled']], array_map(fn ($r) => [$r['status'], $r['body']], $transport->responses));
        $this->assertSame(2, $transport->eventsDone);
        $this->assertSame([], $transport->established);
    }

    public function testAnExtraPortsEventsReachItsHandler(): void
    {
        $transport = $this->serve([
            FakeTransport::connectEvent(5, 1),
            FakeTransport::receive(5, 1, 'abc'),
            FakeTransport::receive(5, 1, 'def'),
            FakeTransport::close(5, 1),
        ]);

        $this->assertSame(['connect 5 on port 5291'], ProbeTcp::$log);
        $this->assertSame([[5, 'ABC:booted'], [5, 'DEF:booted']], $transport->callsOf('send'), 'each message finds the app as booted');
        $this->assertSame(4, $transport->eventsDone);
    }

    public function testAnExtraHttpPortsRequestsReachItsHandler(): void
    {
        $transport = $this->serve([
            FakeTransport::portRequest(9, 2, 'POST', '/port?x=1'),
            FakeTransport::portRequest(10, 2, 'GET', '/again'),
        ]);

        [$first, $second] = $transport->responses;
        $this->assertSame([202, 'Taken', 'POST /port: booted'], [$first['status'], $first['reason'], $first['body']]);
        $this->assertSame('GET /again: booted', $second['body'], "the first request's config change is gone");
        $this->assertSame(['5292'], $first['headers']['X-Port']);
    }

    public function testARetiringWorkerStopsTakingMessagesAndSaysWhy(): void
    {
        $run = $this->scenario('retire');

        $this->assertSame(['1', '2'], $run['bodies'], 'both requests served, by one resident Counter');
        $this->assertSame(1, $run['left in the inbox']);
        $this->assertFalse($run['leave() called']);
        $this->assertStringContainsString('[worker #0] leaving: max_request reached after 2 requests', $run['err']);
    }

    public function testAWorkerWhoseStateCannotBeResetLeavesAfterTheRequestOnItsWay(): void
    {
        $run = $this->scenario('cleaner-fails');

        $this->assertTrue($run['leave() called']);
        $this->assertSame(['1', '2'], $run['bodies']);
        $this->assertSame(1, $run['left in the inbox'], 'no request after the one already on its way');
        $this->assertStringContainsString('resetting state failed (RuntimeException: cleaner failed); replacing this worker', $run['err']);
    }

    public function testAScriptThatExitsInARequestStillAnswersIt(): void
    {
        $run = $this->scenario('exit');

        $this->assertSame(['bye'], $run['bodies']);
        $this->assertSame([200], $run['statuses']);
        $this->assertTrue($run['leave() called'], 'the process ends: the master must send it nothing more');
        $this->assertSame('idle', $run['state']);
    }

    /** dd() is dump() and exit(1). */
    public function testDdAnswers500WithTheDump(): void
    {
        $run = $this->scenario('dd', 1);

        $this->assertSame([500], $run['statuses']);
        $this->assertStringContainsString('dumped', $run['bodies'][0]);
    }

    private function serve(array $messages, bool $taskWorker = false): FakeTransport
    {
        $this->app = BridgeApp::create();

        return $this->app->serve(new FakeTransport($messages), $taskWorker);
    }

    /** tests/php/Fixtures/worker-scenarios.php: what the fake recorded, and the worker's log. */
    private function scenario(string $name, int $exitCode = 0): array
    {
        $run = Php::run([__DIR__ . '/../Fixtures/worker-scenarios.php', $name]);
        $this->assertSame($exitCode, $run['code'], $run['err']);
        $result = json_decode($run['out'], true);
        $this->assertIsArray($result, $run['err']);

        return $result + ['err' => $run['err']];
    }
}
