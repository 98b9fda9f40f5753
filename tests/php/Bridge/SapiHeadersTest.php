<?php

namespace LaravelS\Tests\Bridge;

use LaravelS\Bridge\SapiHeaders;
use LaravelS\Tests\Support\BridgeApp;
use LaravelS\Tests\Support\FakeTransport;
use LaravelS\Tests\Support\Php;
use PHPUnit\Framework\TestCase;

/**
 * What header(), setcookie() and http_response_code() set in a request, merged into the
 * response as php-fpm sends it after Symfony's Response::sendHeaders(): header() with
 * $replace false for all but Content-Type, each cookie added, then the status line.
 */
final class SapiHeadersTest extends TestCase
{
    /** @var BridgeApp|null */
    private $app;

    protected function tearDown(): void
    {
        $this->app?->remove();
    }

    public function testTheResponsesHeadersAddToTheRequestsOwnButItsContentTypeAndStatusWin(): void
    {
        $merged = SapiHeaders::merge(
            ['X-Legacy: 1', 'x-multi: zero', 'Content-Type: text/plain', 'Set-Cookie: legacy=v; path=/'],
            ['X-Multi' => ['one', 'two'], 'Content-Type' => ['text/html; charset=UTF-8'], 'Set-Cookie' => ['a=1; path=/']]
        );

        $this->assertSame([
            'X-Legacy' => ['1'],
            'x-multi' => ['zero', 'one', 'two'],
            'Content-Type' => ['text/html; charset=UTF-8'],
            'Set-Cookie' => ['legacy=v; path=/', 'a=1; path=/'],
        ], $merged);
        $this->assertSame(['A' => ['1']], SapiHeaders::merge([], ['A' => ['1']]), 'nothing set: the response as it is');
    }

    public function testWithoutAResponsePhpsDefaultContentTypeCompletesTheRequestsHeaders(): void
    {
        $this->assertSame(['Location' => ['/login'], 'Content-Type' => ['text/html; charset=UTF-8']], SapiHeaders::alone(['Location: /login']));
        $this->assertSame(['content-type' => ['text/xml']], SapiHeaders::alone(['content-type: text/xml']));
    }

    public function testWholeAndStreamedResponsesCarryWhatTheRequestSet(): void
    {
        $this->app = BridgeApp::create();
        $transport = new FakeTransport([FakeTransport::request('GET', '/cookies'), FakeTransport::request('GET', '/stream')]);
        $transport->sapiHeaders = ['X-Legacy: 1', 'X-Multi: zero', 'Set-Cookie: legacy=v'];
        $transport->sapiStatus = 202;
        $this->app->serve($transport);

        [$whole, $streamed] = $transport->responses;
        $this->assertSame(201, $whole['status'], "the response's status wins over http_response_code(), as sendHeaders() sends it last");
        $this->assertSame(['1'], $whole['headers']['X-Legacy']);
        $this->assertSame(['zero', 'one', 'two'], $whole['headers']['X-Multi']);
        $this->assertSame(
            ['legacy', 'a', 'bridge_session', 'b'],
            array_map(fn ($cookie) => strstr($cookie, '=', true), $whole['headers']['Set-Cookie']),
            "the response's cookies (its own two, the session's) are added after setcookie()'s"
        );
        $this->assertTrue($streamed['streamed']);
        $this->assertSame(['1'], $streamed['headers']['X-Legacy']);
        $this->assertSame(['text/plain; charset=UTF-8'], $streamed['headers']['Content-Type']);
    }

    public function testAScriptThatExitsAnswersWithWhatItSet(): void
    {
        $run = Php::run([__DIR__ . '/../Fixtures/worker-scenarios.php', 'exit-location']);
        $this->assertSame(0, $run['code'], $run['err']);
        $result = json_decode($run['out'], true);

        $this->assertSame([302], $result['statuses'], "header('Location: ...') then exit answers 302, as under php-fpm");
        $this->assertSame(['/login'], $result['headers'][0]['Location']);
        $this->assertSame(['text/html; charset=UTF-8'], $result['headers'][0]['Content-Type']);
    }
}
