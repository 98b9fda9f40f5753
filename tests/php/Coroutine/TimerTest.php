<?php

namespace LaravelS\Tests\Coroutine;

use LaravelS\Coroutine\Scheduler;
use PHPUnit\Framework\TestCase;
use Swoole\Coroutine;
use Swoole\Timer;

/** Swoole\Timer as Swoole documents it, driven by the process loop (Scheduler::run()). */
final class TimerTest extends TestCase
{
    protected function setUp(): void
    {
        Scheduler::reset();
    }

    public function testTickPassesTheIdAndParamsUntilCleared(): void
    {
        $calls = [];
        $started = microtime(true);
        $id = null;
        Scheduler::current()->run(function () use (&$calls, &$id) {
            $id = Timer::tick(10, function (int $timerId, $a, $b) use (&$calls) {
                $calls[] = [$timerId, $a, $b, Coroutine::getCid() > 0];
                if (count($calls) === 3) {
                    Timer::clear($timerId);
                }
            }, 'A', 'B');
        });
        $this->assertIsInt($id);
        $this->assertSame(array_fill(0, 3, [$id, 'A', 'B', true]), $calls, 'each callback in a coroutine of its own');
        $this->assertGreaterThanOrEqual(0.029, microtime(true) - $started);
        $this->assertFalse(Timer::exists($id));
    }

    public function testAfterRunsOnceWithTheParamsOnly(): void
    {
        $calls = [];
        Scheduler::current()->run(function () use (&$calls) {
            $calls['ids'] = [Timer::after(20, function (...$args) use (&$calls) {
                $calls[] = $args;
            }, 'x'), Timer::after(5, fn () => null)];
        });
        $this->assertSame([['x']], array_values(array_filter($calls, 'is_int', ARRAY_FILTER_USE_KEY)));
        [$first, $second] = $calls['ids'];
        $this->assertSame($first + 1, $second, 'ids count up');
    }

    public function testInfoListStatsAndClearAll(): void
    {
        $stats = Timer::stats();
        $this->assertFalse($stats['initialized']);
        $a = Timer::tick(1000, fn () => null);
        $b = Timer::after(2000, fn () => null);
        $info = Timer::info($a);
        $this->assertSame(['exec_msec', 'exec_count', 'interval', 'round', 'removed'], array_keys($info));
        $this->assertSame(1000, $info['interval']);
        $this->assertSame(0, $info['exec_count']);
        $this->assertFalse($info['removed']);
        $this->assertEqualsWithDelta(1000, $info['exec_msec'], 5);
        $this->assertSame([$a, $b], iterator_to_array(Timer::list()));
        $this->assertSame(['initialized' => true, 'num' => 2, 'round' => 0], Timer::stats());
        $this->assertTrue(Timer::clear($b));
        $this->assertFalse(Timer::clear($b));
        $this->assertNull(Timer::info($b));
        $this->assertTrue(Timer::clearAll());
        $this->assertSame(0, Timer::stats()['num']);
    }

    public function testAnIntervalUnderOneMillisecondWarns(): void
    {
        $warning = null;
        set_error_handler(function (int $no, string $message) use (&$warning) {
            $warning = $message;

            return true;
        }, E_USER_WARNING);
        try {
            $id = Timer::tick(0, fn () => null);
        } finally {
            restore_error_handler();
        }
        $this->assertFalse($id);
        $this->assertStringContainsString('$ms', (string) $warning);
    }

    public function testASlowTickDropsTheRunsItMissed(): void
    {
        $times = [];
        Scheduler::current()->run(function () use (&$times) {
            Timer::tick(10, function (int $id) use (&$times) {
                $times[] = microtime(true);
                if (count($times) === 1) {
                    usleep(35000); // blocks the process past three more due times
                }
                if (count($times) === 3) {
                    Timer::clear($id);
                }
            });
        });
        $this->assertCount(3, $times);
        $this->assertGreaterThan(0.034, $times[1] - $times[0], 'the runs missed while it blocked are not made up');
    }
}
