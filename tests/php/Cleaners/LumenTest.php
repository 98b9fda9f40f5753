<?php

namespace LaravelS\Tests\Cleaners;

use LaravelS\Tests\Support\Php;
use PHPUnit\Framework\TestCase;

/**
 * The cleaners on Lumen, each scenario in its own process (Lumen's helpers differ from
 * Laravel's, which this process has loaded): two requests on one application.
 */
final class LumenTest extends TestCase
{
    private const REQUESTS = __DIR__ . '/../Fixtures/lumen-requests.php';
    private const CONFIG = __DIR__ . '/../Fixtures/lumen-config.php';
    private const TERMINATE = __DIR__ . '/../Fixtures/lumen-terminate.php';

    public function testUncleanedASecondRequestSeesTheFirstRouteAndRequest(): void
    {
        // The control: shows what the cleaners are for, and that the fixture can tell.
        $this->assertSame([[null, 'hello'], ['hello', 'hello']], $this->runScript(self::REQUESTS));
    }

    public function testCleanedASecondRequestMatchingNoRouteSeesOnlyItself(): void
    {
        $this->assertSame([[null, 'hello'], [null, 'missing']], $this->runScript(self::REQUESTS, 'clean'));
    }

    public function testConfigIsRestoredAndLazilyLoadedServicesKeepWorking(): void
    {
        $this->assertSame(['app.locale' => 'fr', 'demo.v' => 'set by request 2', 'cache works' => true], $this->runScript(self::CONFIG), 'control');
        $this->assertSame(['app.locale' => 'en', 'demo.v' => null, 'cache works' => true], $this->runScript(self::CONFIG, 'clean'));
    }

    /** The worker skips Lumen's terminate step only while no global middleware has terminate(). */
    public function testTerminableGlobalMiddlewareRunAfterEachResponseOnceTheListHasOne(): void
    {
        $this->assertSame([[], [], [['a', 201]]], $this->runScript(self::TERMINATE));
    }

    private function runScript(string ...$args)
    {
        $run = Php::run($args);
        $this->assertSame('', $run['err']);

        return json_decode($run['out'], true);
    }
}
