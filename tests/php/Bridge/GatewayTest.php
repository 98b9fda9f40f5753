<?php

namespace LaravelS\Tests\Bridge;

use LaravelS\Bridge\Gateway;
use LaravelS\Bridge\RequestFactory;
use LaravelS\Tests\Fixtures\BridgeApp\ExceptionHandler;
use LaravelS\Tests\Fixtures\BridgeApp\Terminable;
use LaravelS\Tests\Support\BridgeApp;
use LaravelS\Tests\Support\FakeTransport;
use PHPUnit\Framework\TestCase;
use Symfony\Component\HttpFoundation\Response;

/**
 * The application gateway on the fixture app: the kernel's handle() and terminate(), and
 * two requests in a row, the second of which must find the app as it booted.
 */
final class GatewayTest extends TestCase
{
    /** @var BridgeApp */
    private $app;
    /** @var Gateway */
    private $gateway;

    protected function setUp(): void
    {
        $this->app = BridgeApp::create();
        $this->gateway = $this->app->gateway();
    }

    protected function tearDown(): void
    {
        $this->app->remove();
    }

    public function testHandleRunsTheKernelAndTerminateTheTerminableMiddleware(): void
    {
        $request = RequestFactory::make(FakeTransport::server('GET', '/terminable'), '');
        $response = $this->gateway->handle($request);

        $this->assertSame('done', $response->getContent());
        $this->assertSame(['handle terminable'], Terminable::$log);
        $this->gateway->terminate($request, $response);
        $this->assertSame(['handle terminable', 'terminate terminable 200'], Terminable::$log);
    }

    public function testAFailingRequestIsTheExceptionHandlersResponse(): void
    {
        $response = $this->visit('/throws');

        $this->assertSame(500, $response->getStatusCode());
        $this->assertSame('RuntimeException', $response->getContent());
        $this->assertSame(['RuntimeException: the route failed'], ExceptionHandler::$reported);
        $this->assertSame('{"hello":"world"}', $this->visit('/hello')->getContent(), 'the next request is served');
    }

    public function testAChangedConfigIsTheBootedOneForTheNextRequest(): void
    {
        $this->visit('/config/set/changed');

        $this->assertSame('{"value":null,"locale":"en"}', $this->visit('/config')->getContent());
        $this->assertFalse($this->gateway->app()['config']->has('app.added'));
    }

    public function testASingletonFirstResolvedInARequestIsResident(): void
    {
        // As under LaravelS (README "单例问题"): it lives as long as the worker.
        $this->assertSame(['1', '2'], [$this->visit('/count')->getContent(), $this->visit('/count')->getContent()]);

        $this->visit('/bind');
        $this->assertSame('{"bound":true}', $this->visit('/bound')->getContent());
    }

    public function testTheNextRequestIsNotLoggedIn(): void
    {
        $this->visit('/login/7');

        $this->assertSame('{"user":null}', $this->visit('/whoami')->getContent());
    }

    public function testTheNextVisitorDoesNotGetTheSession(): void
    {
        $first = $this->visit('/session/put/secret');
        $second = $this->visit('/session');

        $this->assertSame('{"probe":null}', $second->getContent());
        $this->assertNotSame($this->sessionId($first), $this->sessionId($second));
    }

    public function testCookiesQueuedByARequestAreSentWithItsResponseOnly(): void
    {
        $first = $this->visit('/cookie/queue');
        $second = $this->visit('/hello');

        $this->assertContains('remember', $this->cookieNames($first));
        $this->assertNotContains('remember', $this->cookieNames($second));
    }

    /** One request as the worker runs it: handle, then terminate (which resets the app). */
    private function visit(string $uri): Response
    {
        $request = RequestFactory::make(FakeTransport::server('GET', $uri), '');
        $response = $this->gateway->handle($request);
        $this->gateway->terminate($request, $response);

        return $response;
    }

    private function cookieNames(Response $response): array
    {
        return array_map(fn ($c) => $c->getName(), $response->headers->getCookies());
    }

    private function sessionId(Response $response): ?string
    {
        foreach ($response->headers->getCookies() as $cookie) {
            if ($cookie->getName() === 'bridge_session') {
                return $cookie->getValue();
            }
        }

        return null;
    }
}
