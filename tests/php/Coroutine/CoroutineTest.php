<?php

namespace LaravelS\Tests\Coroutine;

use LaravelS\Coroutine\Scheduler;
use PHPUnit\Framework\TestCase;
use Swoole\Coroutine;
use Swoole\Coroutine\Channel;
use Swoole\Coroutine\WaitGroup;

use function Swoole\Coroutine\run;

/**
 * Swoole's documented coroutine behaviour, on Fibers: go() runs a coroutine until it
 * waits; sleeps overlap; Channel and WaitGroup as in Swoole's examples.
 */
final class CoroutineTest extends TestCase
{
    protected function setUp(): void
    {
        Scheduler::reset();
    }

    public function testGoRunsTheCoroutineUntilItWaitsThenTheCaller(): void
    {
        $order = [];
        run(function () use (&$order) {
            go(function () use (&$order) {
                $order[] = 'a1';
                Coroutine::sleep(0.01);
                $order[] = 'a2';
            });
            $order[] = 'main';
        });
        $this->assertSame(['a1', 'main', 'a2'], $order);
    }

    public function testNCoroutinesSleeping100MsFinishInAbout100Ms(): void
    {
        $started = microtime(true);
        $done = 0;
        run(function () use (&$done) {
            for ($i = 0; $i < 50; $i++) {
                go(function () use (&$done) {
                    Coroutine::sleep(0.1);
                    $done++;
                });
            }
        });
        $took = microtime(true) - $started;
        $this->assertSame(50, $done);
        $this->assertGreaterThanOrEqual(0.099, $took);
        $this->assertLessThan(0.2, $took);
    }

    public function testIdsParentsDeferAndExists(): void
    {
        $seen = [];
        $this->assertSame(-1, Coroutine::getCid());
        $this->assertFalse(Coroutine::getPcid());
        run(function () use (&$seen) {
            $outer = Coroutine::getCid();
            $seen['outer_pcid'] = Coroutine::getPcid();
            $inner = go(function () use (&$seen, $outer) {
                $seen['inner_pcid'] = Coroutine::getPcid();
                // Coroutine::defer(): Laravel 11+ has a global defer() helper of its own,
                // which keeps the name where it is loaded first (as in this bootstrap).
                Coroutine::defer(function () use (&$seen) {
                    $seen['defers'][] = 'first';
                });
                Coroutine::defer(function () use (&$seen) {
                    $seen['defers'][] = 'second';
                });
                Coroutine::sleep(0.01);
            });
            $seen['outer'] = $outer;
            $seen['inner'] = $inner;
            $seen['exists'] = Coroutine::exists($inner);
            Coroutine::sleep(0.02);
            $seen['exists_after'] = Coroutine::exists($inner);
        });
        $this->assertSame(-1, $seen['outer_pcid']);
        $this->assertSame($seen['outer'], $seen['inner_pcid']);
        $this->assertTrue($seen['exists']);
        $this->assertFalse($seen['exists_after']);
        $this->assertSame(['second', 'first'], $seen['defers'], 'the last deferred runs first');
    }

    public function testChannelProducerAndConsumer(): void
    {
        $got = [];
        run(function () use (&$got) {
            $chan = new Channel(1);
            go(function () use ($chan) {
                for ($i = 0; $i < 5; $i++) {
                    Coroutine::sleep(0.005);
                    $chan->push(['rand' => $i, 'index' => $i]);
                }
                $chan->close();
            });
            go(function () use ($chan, &$got) {
                while (($data = $chan->pop()) !== false) {
                    $got[] = $data['index'];
                }
                $got[] = $chan->errCode;
            });
        });
        $this->assertSame([0, 1, 2, 3, 4, SWOOLE_CHANNEL_CLOSED], $got);
    }

    public function testChannelTimeoutsCapacityAndState(): void
    {
        $seen = [];
        run(function () use (&$seen) {
            $chan = new Channel(2);
            $seen['capacity'] = $chan->capacity;
            $seen['empty'] = $chan->isEmpty();
            $started = microtime(true);
            $seen['pop'] = $chan->pop(0.05);
            $seen['waited'] = microtime(true) - $started;
            $seen['timeout'] = $chan->errCode;
            $chan->push('a');
            $chan->push('b');
            $seen['full'] = $chan->isFull();
            $seen['length'] = $chan->length();
            $seen['push'] = $chan->push('c', 0.01);
            $seen['push_code'] = $chan->errCode;
            $seen['first'] = $chan->pop();
            $chan->close();
            $seen['push_closed'] = $chan->push('d');
            $seen['closed_code'] = $chan->errCode;
            $seen['drained'] = $chan->pop();
        });
        $this->assertSame(2, $seen['capacity']);
        $this->assertTrue($seen['empty']);
        $this->assertFalse($seen['pop']);
        $this->assertGreaterThanOrEqual(0.049, $seen['waited']);
        $this->assertSame(SWOOLE_CHANNEL_TIMEOUT, $seen['timeout']);
        $this->assertTrue($seen['full']);
        $this->assertSame(2, $seen['length']);
        $this->assertFalse($seen['push']);
        $this->assertSame(SWOOLE_CHANNEL_TIMEOUT, $seen['push_code']);
        $this->assertSame('a', $seen['first']);
        $this->assertFalse($seen['push_closed']);
        $this->assertSame(SWOOLE_CHANNEL_CLOSED, $seen['closed_code']);
        $this->assertSame('b', $seen['drained'], 'what was pushed before close() can still be popped');
    }

    public function testWaitGroupWithThreeCoroutinesSleeping100Ms(): void
    {
        $result = [];
        $started = microtime(true);
        run(function () use (&$result) {
            $wg = new WaitGroup();
            for ($i = 0; $i < 3; $i++) {
                $wg->add();
                go(function () use ($wg, &$result, $i) {
                    Coroutine::sleep(0.1);
                    $result[] = $i;
                    $wg->done();
                });
            }
            $result['waited'] = $wg->wait();
        });
        $took = microtime(true) - $started;
        $this->assertTrue($result['waited']);
        $this->assertCount(4, $result);
        $this->assertLessThan(0.2, $took);
    }

    public function testWaitGroupTimeout(): void
    {
        $waited = null;
        run(function () use (&$waited) {
            $wg = new WaitGroup(1);
            go(function () use ($wg) {
                Coroutine::sleep(0.1);
                $wg->done();
            });
            $waited = $wg->wait(0.02);
        });
        $this->assertFalse($waited);
    }

    public function testAnUncaughtExceptionEndsOnlyItsCoroutine(): void
    {
        $reported = [];
        Scheduler::current()->reportWith(function (\Throwable $e) use (&$reported) {
            $reported[] = $e->getMessage();
        });
        $after = false;
        run(function () use (&$after) {
            go(function () {
                Coroutine::sleep(0.001);
                throw new \RuntimeException('boom');
            });
            Coroutine::sleep(0.01);
            $after = true;
        });
        $this->assertSame(['boom'], $reported);
        $this->assertTrue($after);
    }

    public function testRunInsideACoroutineWarnsAndAnswersFalse(): void
    {
        $inner = null;
        $warning = null;
        set_error_handler(function (int $no, string $message) use (&$warning) {
            $warning = $message;

            return true;
        }, E_USER_WARNING);
        try {
            run(function () use (&$inner) {
                $inner = run(fn () => null);
            });
        } finally {
            restore_error_handler();
        }
        $this->assertFalse($inner);
        $this->assertStringContainsString('eventLoop has already been created', (string) $warning);
    }

    public function testLeaveEndsEverySleepAtOnce(): void
    {
        $started = microtime(true);
        $slept = null;
        run(function () use (&$slept) {
            go(function () {
                Coroutine::sleep(0.02);
                Scheduler::current()->leave();
            });
            $slept = Coroutine::sleep(5);
        });
        $this->assertFalse($slept, 'a sleep cut short answers false');
        $this->assertLessThan(1.0, microtime(true) - $started);
    }

    public function testChannelOutsideACoroutineThrowsOnlyWhenItWouldWait(): void
    {
        $chan = new Channel(1);
        $this->assertTrue($chan->push(1));
        $this->assertSame(1, $chan->pop());
        $this->expectException(\Error::class);
        $chan->pop();
    }

    public function testProcessReadWaitsInItsCoroutineOnlyAndEndsOnLeave(): void
    {
        $process = new \LaravelS\Runtime\Process('t', 1);
        $process->becomeSelf();
        $outside = new \ReflectionProperty($process, 'outside');
        $outside->setAccessible(true);
        $other = $outside->getValue($process);
        $seen = [];
        Scheduler::current()->run(function () use ($process, $other, &$seen) {
            go(function () use ($other, &$seen) {
                Coroutine::sleep(0.02);
                $seen[] = 'slept';
                fwrite($other, 'hello');
                Coroutine::sleep(0.02);
                Scheduler::current()->leave();
            });
            $seen[] = $process->read();
            $seen[] = $process->read();
        });
        $this->assertSame(['slept', 'hello', false], $seen);
    }

    public function testSwoolesShortNamesAreThere(): void
    {
        $this->assertSame(\LaravelS\Runtime\Coroutine::class, (new \ReflectionClass('Co'))->getName());
        $this->assertSame(\LaravelS\Coroutine\Channel::class, (new \ReflectionClass('Co\\Channel'))->getName());
        $this->assertSame(\LaravelS\Runtime\Timer::class, (new \ReflectionClass('Swoole\\Timer'))->getName());
        $ran = false;
        $this->assertTrue(\Co\run(function () use (&$ran) {
            \Co::sleep(0.001);
            $ran = true;
        }));
        $this->assertTrue($ran);
    }
}
