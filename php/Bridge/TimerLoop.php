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

        $now = microtime(true);
        $schedule = [];
        foreach ($this->jobs() as $i => $job) {
            $interval = (int) $job->interval();
            if ($interval <= 0) {
                $this->log(sprintf('%s has no interval (interval() or [class, [ms, immediate]]); skipped', get_class($job)));
                continue;
            }
            $schedule[$i] = [$job, $interval / 1000, $job->isImmediate() ? $now : $now + $interval / 1000];
        }
        $this->log(sprintf('started with %d job(s)', count($schedule)));
        $lock = $this->globalLock();
        $lockDue = microtime(true);

        while ($schedule !== []) {
            if ($lock !== null && microtime(true) >= $lockDue) {
                $had = $lock->held();
                if ($lock->maintain() !== $had) {
                    $this->log($had ? 'lost the global lock: jobs stop here' : 'holds the global lock: jobs run here');
                }
                $lockDue = microtime(true) + $lock->period();
            }
            $next = min(array_column($schedule, 2));
            if ($lock !== null) {
                $next = min($next, $lockDue);
            }
            if ($scheduler->waitFor($stopWithin, $next)) {
                break;
            }
            $now = microtime(true);
            foreach ($schedule as $i => [$job, $interval, $due]) {
                if ($due > $now) {
                    continue;
                }
                if ($lock === null || $lock->held()) {
                    // In a coroutine, as Swoole runs a timer's callback: a job that sleeps
                    // (Coroutine::sleep) lets the others run meanwhile.
                    $scheduler->spawn(fn () => $this->runJob($job));
                }
                // Fixed-rate: the next run is due one interval after this one was due, so
                // a slow run does not shift the schedule (late runs are not repeated).
                $schedule[$i][2] = max($due + $interval, $now);
                if ($job->isStopped()) {
                    unset($schedule[$i]);
                }
            }
        }
        if ($schedule === []) {
            // Nothing left to run: stay until told to stop, so the manager does not restart us.
            $scheduler->waitFor($stopWithin);
        }
        if ($lock !== null) {
            $lock->release();
        }
        @unlink($this->pidFile);
        $this->log('stopped');

        return 0;
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
