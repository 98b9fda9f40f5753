<?php

namespace LaravelS\Tests\Cleaners;

use LaravelS\Cleaners\AuthCleaner;
use LaravelS\Cleaners\RequestInstancesCleaner;
use LaravelS\Cleaners\SessionCleaner;
use LaravelS\Tests\Fixtures\BridgeApp\PerRequestProvider;
use LaravelS\Tests\Support\BridgeApp;
use LaravelS\Tests\Support\FakeTransport;
use PHPUnit\Framework\TestCase;

/**
 * Each cleaner through a worker: two requests on one booted app (the fixture app of
 * tests/php/Support/BridgeApp), the first leaving state behind, the second reporting
 * what it finds. Where a cleaner is optional, the control runs the same requests
 * without it and sees the leak, which shows the test can tell.
 */
final class LeakTest extends TestCase
{
    /** @var BridgeApp|null */
    private $app;

    protected function tearDown(): void
    {
        $this->app?->remove();
    }

    /** ConfigCleaner: values, the locale and keys a request added. */
    public function testConfig(): void
    {
        $this->assertSame(['set', '{"value":null,"locale":"en"}'], $this->bodies(['/config/set/x', '/config']));
        $this->assertSame(['set', 'en'], $this->bodies(['/config/set/x', '/translator-locale']), 'and the resident translator');
    }

    /** ContainerCleaner: singletons first built in a request are resident, as under LaravelS. */
    public function testContainer(): void
    {
        $this->assertSame(['bound', '{"bound":true}'], $this->bodies(['/bind', '/bound']));
        $this->assertSame(['1', '2', '3'], $this->bodies(['/count', '/count', '/count']));
    }

    /** RequestInstancesCleaner: instances a request bound, and singletons it built, are forgotten. */
    public function testRequestInstances(): void
    {
        $cleaners = ['cleaners' => array_merge(BridgeApp::CLEANERS, [RequestInstancesCleaner::class])];
        $this->assertSame(['bound', '{"bound":false}'], $this->bodies(['/bind', '/bound'], $cleaners));
        $this->assertSame(['1', '1', '1'], $this->bodies(['/count', '/count', '/count'], $cleaners));
    }

    /** The logged-in user and the session stay with their request, singletons resident or not. */
    public function testAuthAndSessionInBothModes(): void
    {
        foreach ([BridgeApp::CLEANERS, array_merge(BridgeApp::CLEANERS, [RequestInstancesCleaner::class])] as $list) {
            $this->assertSame('{"user":null}', $this->bodies(['/login/7', '/whoami'], ['cleaners' => $list])[1]);
            $this->assertSame('{"probe":null}', $this->bodies(['/session/put/secret', '/session'], ['cleaners' => $list])[1]);
        }
    }

    /** CookieCleaner: a cookie queued and sent goes with that response only. */
    public function testCookies(): void
    {
        [$queued, $next] = $this->serve(['/cookie/queue', '/hello']);

        $this->assertCount(1, preg_grep('/^remember=/', $queued['headers']['Set-Cookie']));
        $this->assertSame([], preg_grep('/^remember=/', $next['headers']['Set-Cookie']));
    }

    /**
     * The Request facade answers for the current request. On Laravel the kernel and the
     * Container cleaner see to it as well; RequestCleaner alone keeps Lumen's right, which
     * LumenTest checks.
     */
    public function testRequestFacade(): void
    {
        $this->assertSame(['facade-path', 'facade-path'], $this->bodies(['/facade-path', '/facade-path']));
        $this->assertSame('{"hello":"world"}', $this->bodies(['/facade-path', '/hello'])[1]);
    }

    /** AuthCleaner: the next request starts logged out. */
    public function testAuth(): void
    {
        $this->assertSame('{"user":null}', $this->bodies(['/login/7', '/whoami'])[1]);
        $this->assertSame('{"user":7}', $this->bodies(['/login/7', '/whoami'], ['cleaners' => [SessionCleaner::class]])[1], 'control');
    }

    /** SessionCleaner: the next visitor gets a session of their own. */
    public function testSession(): void
    {
        $this->assertSame('{"probe":null}', $this->bodies(['/session/put/secret', '/session'])[1]);
        $this->assertSame('{"probe":"secret"}', $this->bodies(['/session/put/secret', '/session'], ['cleaners' => [AuthCleaner::class]])[1], 'control');
    }

    /** ControllerDestroyer (destroy_controllers): a controller's properties. */
    public function testControllers(): void
    {
        $this->assertSame(['a', 'b'], $this->bodies(['/shop/a', '/shop/b'], ['destroy_controllers' => ['enable' => true, 'excluded_list' => []]]));
        $this->assertSame(['a', 'a,b'], $this->bodies(['/shop/a', '/shop/b'], ['destroy_controllers' => ['enable' => false]]), 'control');
    }

    /** ProviderRefresher (register_providers): a singleton the app built while booting. */
    public function testRegisterProviders(): void
    {
        $this->assertSame(['1', '1'], $this->bodies(['/per-request', '/per-request'], ['register_providers' => [PerRequestProvider::class]]));
        $this->assertSame(['1', '2'], $this->bodies(['/per-request', '/per-request'], ['register_providers' => []]), 'control');
    }

    /** @return array[] the responses to GET $uris, in order, from one worker */
    private function serve(array $uris, array $laravels = []): array
    {
        $this->app?->remove();
        $this->app = BridgeApp::create($laravels);
        $transport = $this->app->serve(new FakeTransport(array_map(fn ($uri) => FakeTransport::request('GET', $uri), $uris)));
        $this->assertCount(count($uris), $transport->responses);

        return $transport->responses;
    }

    private function bodies(array $uris, array $laravels = []): array
    {
        return array_column($this->serve($uris, $laravels), 'body');
    }
}
