<?php

namespace LaravelS\Bridge;

use LaravelS\Config\ServerConfig;
use LaravelS\Coroutine\Scheduler;
use LaravelS\Server\HttpServer;
use LaravelS\Timer\CronJob;
use LaravelS\Timer\GlobalLock;
use LaravelS\Transport\CurrentTransport;
use LaravelS\Transport\Transport;

/**
 * The timer process: boots the app, then runs `timer.jobs` on their millisecond
 * schedules until the master asks it to stop (reload or stop); the manager then starts a
 * fresh one, which runs the current code.
 */
final class TimerLoop
{
    /** @var Gateway */
    private $gateway;

    /** @var string */
    private $pidFile;

    public function __construct(
        private string $basePath,
        private ServerConfig $config,
        private array $role,
        private HttpServer $server,
        private Transport $transport
    ) {
        $this->pidFile = $config->timerPidFile();
    }

    public function run(): int
    {
        // The environment as before the master read .env, and not a console command.
        ProcessEnvironment::forRequests();
        $server = $this->server;
        $transport = $this->transport;
        CurrentTransport::set($transport);
        Scheduler::reset();
        $scheduler = Scheduler::current();
        $server->bindWorker((int) $this->role['worker_id'], (int) $this->role['master_pid'], (int) $this->role['manager_pid']);
        $this->gateway = (new BootGuard('timer'))->boot(fn () => Gateway::boot($this->basePath, $this->config->cleaners, ['swoole' => $server]));
        $scheduler->reportWith(function (\Throwable $e): void {
            $this->gateway->report($e);
            $this->log(sprintf('uncaught in a timer or coroutine: %s: %s', get_class($e), $e->getMessage()));
        });
        // What it waits for between jobs: the master's stop. Meanwhile the timers and
        // coroutines the jobs started run when due.
        $stopWithin = fn (int $ms): bool => $transport->waitStop($ms < 0 ? 60000 : $ms);
        @file_put_contents($this->pidFile, getmypid() . "\n");
        $transport->connect();
        $transport->waitStop(0);

        $jobs = [];
        foreach ($this->jobs() as $job) {
            $interval = (int) $job->interval();
            if ($interval <= 0) {
                $this->log(sprintf('%s has no interval (interval() or [class, [ms, immediate]]); skipped', get_class($job)));
                continue;
            }
            $jobs[] = [$job, $interval / 1000];
        }
        $this->log(sprintf('started with %d job(s)', count($jobs)));
        $lock = $this->globalLock();
        if ($lock !== null) {
            $scheduler->spawn(fn () => $this->maintain($lock));
        }
        // Each job is a coroutine of its own that runs it on its schedule: a job that
        // sleeps (Coroutine::sleep) lets the others run meanwhile, and never overlaps itself.
        foreach ($jobs as [$job, $interval]) {
            $scheduler->spawn(fn () => $this->repeat($job, $interval, $lock));
        }
        // Until the master asks it to stop (reload, stop), also once every job stopped,
        // so the manager does not start it again.
        $scheduler->waitFor($stopWithin);
        if ($lock !== null) {
            $lock->release();
        }
        @unlink($this->pidFile);
        $this->log('stopped');

        return 0;
    }

    /**
     * Runs $job every $interval seconds until it stops. Fixed-rate: the next run is due one
     * interval after this one was due, so a slow run does not shift the schedule; a run
     * that ends past the next due time is followed at once (late runs are not repeated).
     */
    private function repeat(CronJob $job, float $interval, ?GlobalLock $lock): void
    {
        $scheduler = Scheduler::current();
        $due = microtime(true) + ($job->isImmediate() ? 0 : $interval);
        while (true) {
            while (($wait = $due - microtime(true)) > 0) {
                $scheduler->sleep($wait);
            }
            if ($lock === null || $lock->held()) {
                $this->runJob($job);
            }
            if ($job->isStopped()) {
                return;
            }
            $due = max($due + $interval, microtime(true));
        }
    }

    /** Keeps or takes the global lock, every period of it. */
    private function maintain(GlobalLock $lock): void
    {
        $scheduler = Scheduler::current();
        while (true) {
            $had = $lock->held();
            if ($lock->maintain() !== $had) {
                $this->log($had ? 'lost the global lock: jobs stop here' : 'holds the global lock: jobs run here');
            }
            $scheduler->sleep($lock->period());
        }
    }

    /** The Redis lock of `timer.global_lock`, when it is on. */
    private function globalLock(): ?GlobalLock
    {
        $lock = $this->config->timer->globalLock;
        if (!$lock->enable) {
            return null;
        }
        $name = $lock->key ?? (string) $this->gateway->app()['config']->get('app.name', 'Laravel');

        return new GlobalLock($name, $lock->ttl, $this->gateway->app()->make('redis')->connection());
    }

    private function runJob(CronJob $job): void
    {
        try {
            $job->run();
        } catch (\Throwable $e) {
            $this->gateway->report($e);
            $this->log(sprintf('%s failed: %s', get_class($job), $e->getMessage()));
        }
        $this->gateway->resetState();
    }

    /** @return CronJob[] */
    private function jobs(): array
    {
        $jobs = [];
        foreach ($this->config->timer->jobs as $job) {
            if (!class_exists($job->class) || !is_subclass_of($job->class, CronJob::class)) {
                $entry = $job->args === [] ? $job->class : [$job->class, $job->args];
                $this->log(sprintf('laravels.timer.jobs: %s is not a CronJob class; skipped', json_encode($entry)));
                continue;
            }
            $class = $job->class;
            $jobs[] = new $class($job->args);
        }

        return $jobs;
    }

    private function log(string $message): void
    {
        fwrite(STDERR, sprintf("[%s] [timer] %s\n", gmdate('Y-m-d H:i:s'), $message));
    }
}
