<?php

namespace LaravelS\Tests\Server;

use LaravelS\Server\Server;
use LaravelS\Task\SwooleTask;
use LaravelS\Tests\Support\FakeTransport;
use LaravelS\Transport\MessageKind;
use PHPUnit\Framework\TestCase;

/**
 * app('swoole')'s task calls against an in-memory master: what they send, how the results
 * that come back are keyed, and the warnings Swoole's call forms get when they cannot be
 * honoured.
 */
final class TasksTest extends TestCase
{
    /** @var string[] */
    private $warnings = [];

    protected function setUp(): void
    {
        set_error_handler(function (int $type, string $message): bool {
            $this->warnings[] = $message;

            return true;
        }, E_USER_WARNING);
    }

    protected function tearDown(): void
    {
        restore_error_handler();
    }

    public function testTaskSendsItsDataWithTheTaskIdAndReturnsTheId(): void
    {
        [$server, $transport] = $this->server();

        $this->assertSame(0, $server->task(['x' => 1]));
        $this->assertSame(1, $server->task('two', 1));
        [[$payload, $dst, $wait], [, $dst2]] = $transport->delivered;
        $task = unserialize($payload);
        $this->assertInstanceOf(SwooleTask::class, $task);
        $this->assertSame([0, 0, ['x' => 1]], [$task->id, $task->srcWorkerId, $task->data]);
        $this->assertSame([null, null, 1], [$dst, $wait, $dst2]);
    }

    public function testARefusedTaskOrATaskWorkerPastTheLastWarnsAndGivesFalse(): void
    {
        [$server, $transport] = $this->server();
        $this->assertFalse($server->task('x', 3));
        $transport->acceptsTasks = false;
        $this->assertFalse($server->task('x'));
        $this->assertStringContainsString('$dstWorkerId: 3 is not a task worker index', $this->warnings[0]);
        $this->assertStringContainsString('task_worker_num', $this->warnings[1]);
    }

    public function testTaskWaitMultiKeysResultsLikeItsInputAndLeavesOutTheMissing(): void
    {
        [$server, $transport] = $this->server();
        $transport->taskResults = [0 => $this->taskResult(0, 'A'), 2 => $this->taskResult(2, 'C')];

        $this->assertSame(['a' => 'A', 'c' => 'C'], $server->taskWaitMulti(['a' => 1, 'b' => 2, 'c' => 3], 0.25));
        [[$ids, $timeoutMs]] = $transport->callsOf('taskResults');
        $this->assertSame([[0, 1, 2], 250.0], [$ids, $timeoutMs]);
        $this->assertSame([], $this->warnings);
    }

    public function testTaskwaitGivesTheResultOrFalseWithAWarningOnTimeout(): void
    {
        [$server, $transport] = $this->server();
        $transport->taskResults = [0 => $this->taskResult(0, ['ok' => true])];

        $this->assertSame(['ok' => true], $server->taskwait('x'));
        $this->assertFalse($server->taskwait('y', 0.1));
        $this->assertSame(['taskwait(): $timeout: the task gave no result within 0.1 s'], $this->warnings);
    }

    public function testFinishOutsideATaskWarnsAndSendMessageChecksItsDestination(): void
    {
        [$server, $transport] = $this->server();

        $this->assertFalse($server->finish('x'));
        $this->assertFalse($server->sendMessage('m', 0), 'not to itself');
        $this->assertFalse($server->sendMessage('m', 5), 'past the last task worker');
        $this->assertTrue($server->sendMessage('m', 4));
        $this->assertSame([[4, serialize([0, 'm'])]], $transport->callsOf('sendMessage'));
        $this->assertCount(3, $this->warnings);
    }

    public function testTaskCoKeepsEveryKeyInOrderWithFalseForATaskWithoutAResult(): void
    {
        [$server, $transport] = $this->server();
        $transport->taskResults = [1 => $this->taskResult(1, 'second')];

        $this->assertSame(['x' => false, 'y' => 'second'], $server->taskCo(['x' => 'a', 'y' => 'b'], 0.1));
        $this->assertCount(2, $transport->callsOf('taskTo'), 'both tasks were sent');
        $this->assertSame([], $this->warnings, 'a timeout is a false, not a warning');
    }

    public function testFinishSendsEachResultAtOnceWhileTheTaskGoesOn(): void
    {
        $sent = new SwooleTask(7, 1, 'data');
        $transport = new FakeTransport([['type' => MessageKind::Task->value, 'payload' => serialize($sent), 'origin' => 1]], 2);
        $transport->connect();
        $server = new Server(['worker_num' => 2, 'task_worker_num' => 3], '127.0.0.1', 5200, [], $transport);
        $transport->next();
        $task = unserialize(serialize($sent));
        $seenDuringTheTask = [];

        $server->tasks()->running($task, function () use ($server, $transport, &$seenDuringTheTask): void {
            $this->assertTrue($server->finish('first'));
            $seenDuringTheTask[] = count($transport->tasksFinished);
            $this->assertTrue($server->finish('second'));
        });

        $this->assertSame([1], $seenDuringTheTask, 'the first result left before the task went on');
        $results = array_map(fn (string $payload) => unserialize($payload)->result, $transport->tasksFinished);
        $this->assertSame(['first', 'second'], $results);
        $this->assertTrue($task->sent, 'nothing is left to send when the task ends');
        $this->assertFalse($server->finish('after'), 'no task runs any more');
    }

    /** A worker's server (#0 of 2 workers, 3 task workers) on a fake master. */
    private function server(): array
    {
        $transport = new FakeTransport([], 0);
        $transport->connect();
        $server = new Server(['worker_num' => 2, 'task_worker_num' => 3], '127.0.0.1', 5200, [], $transport);

        return [$server, $transport];
    }

    private function taskResult(int $id, $value): string
    {
        $task = new SwooleTask($id, 0, null);
        $task->finish($value);

        return serialize($task);
    }
}
