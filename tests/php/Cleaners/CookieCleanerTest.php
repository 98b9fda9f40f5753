<?php

namespace LaravelS\Tests\Cleaners;

use Illuminate\Foundation\Application;
use LaravelS\Cleaners\CleanerManager;
use LaravelS\Tests\Support\ConfigView;
use LaravelS\Tests\Support\TestApp;
use PHPUnit\Framework\TestCase;

final class CookieCleanerTest extends TestCase
{
    public function testCookiesQueuedButNotSentAreDropped(): void
    {
        $app = TestApp::boot(fn (Application $app) => $app->make('cookie'));
        $jar = $app->make('cookie');
        $cleaners = new CleanerManager($app, ConfigView::cleaners());

        $jar->queue('remember', 'alice', 60);
        $cleaners->clean();

        $this->assertSame([], $app->make('cookie')->getQueuedCookies());
        $this->assertSame($jar, $app->make('cookie'), 'the booted cookie jar (and its defaults) stays');
    }
}
