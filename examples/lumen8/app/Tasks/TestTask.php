<?php

namespace App\Tasks;

use Hhxsv5\LaravelS\Swoole\Task\Task;

/**
 * The README's task, made observable: handle() and finish() each leave a file in
 * storage/app/tasks naming the process that ran them. With $failures > 0, handle() throws
 * that many times before it succeeds (for setTries()).
 */
class TestTask extends Task
{
    private $id;
    private $failures;
    private $result;
    /** @var \App\Models\User|null travels by identity (SerializesModels) */
    private $user;

    public function __construct(string $id, int $failures = 0, $user = null)
    {
        $this->id = $id;
        $this->failures = $failures;
        $this->user = $user;
    }

    public function handle()
    {
        $dir = storage_path('app/tasks');
        @mkdir($dir, 0777, true);
        $attempts = (int) @file_get_contents("$dir/{$this->id}.attempts") + 1;
        file_put_contents("$dir/{$this->id}.attempts", (string) $attempts);
        if ($attempts <= $this->failures) {
            throw new \RuntimeException("attempt $attempts of task {$this->id} fails on purpose");
        }
        \Swoole\Coroutine::sleep(0.001); // as the README's tasks and cron jobs do
        $this->result = ['pid' => getmypid(), 'at' => microtime(true), 'attempts' => $attempts, 'user' => $this->user ? $this->user->name : null];
        file_put_contents("$dir/{$this->id}.handled", json_encode($this->result));
    }

    public function finish()
    {
        file_put_contents(storage_path("app/tasks/{$this->id}.finished"), json_encode([
            'pid' => getmypid(),
            'handled_by' => $this->result['pid'] ?? null,
            // finish() runs in the HTTP worker after other requests: none of them may show.
            // (Lumen's url() always builds a URL; the generator is app('url').)
            'url' => app('url')->current(),
        ]));
    }
}
