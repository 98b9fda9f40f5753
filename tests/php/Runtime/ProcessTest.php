<?php

namespace LaravelS\Tests\Runtime;

use LaravelS\Runtime\Process;
use PHPUnit\Framework\TestCase;

/** Swoole\Process's pipe and queue, across a real fork as between a worker and a custom process. */
final class ProcessTest extends TestCase
{
    public function testThePipeConnectsTheProcessAndTheOthers(): void
    {
        $process = new Process('echo', 1);
        $pid = pcntl_fork();
        if ($pid === 0) {
            $process->becomeSelf();
            $process->write('echo: ' . $process->read());
            exit(0);
        }
        $this->assertSame(5, $process->write('hello'));
        $this->assertSame('echo: hello', $process->read());
        pcntl_waitpid($pid, $status);
    }

    public function testTheQueuePassesWholeMessages(): void
    {
        $process = new Process('queued', 0);
        $this->assertTrue($process->useQueue(random_int(1 << 20, 1 << 30), 2, 1024));
        $pid = pcntl_fork();
        if ($pid === 0) {
            $process->push('first');
            $process->push('second');
            exit(0);
        }
        pcntl_waitpid($pid, $status);
        $this->assertSame('first', $process->pop());
        $this->assertSame('second', $process->pop());
        $this->assertTrue($process->freeQueue());
        $this->assertFalse($process->push('gone'), 'no queue after freeQueue()');
    }

    public function testWithoutAPipeReadAndWriteFail(): void
    {
        $process = new Process('quiet', 0);
        $this->assertFalse($process->write('x'));
        $this->assertFalse($process->read());
    }
}
