<?php

namespace LaravelS\Bridge;

use LaravelS\Config\ProcessConfig;
use LaravelS\Config\ServerConfig;
use LaravelS\Console\PidFile;
use LaravelS\Coroutine\Scheduler;
use LaravelS\Runtime\Process;
use LaravelS\Server\HttpServer;
use LaravelS\Transport\CurrentTransport;
use LaravelS\Transport\Transport;

/**
 * A custom process (`processes`): boots the app and runs the class's static callback()
 * in a coroutine. The master asks it to leave with SIGUSR1 (reload: onReload) or SIGTERM
 * (stop: onStop), which also end every coroutine sleep; without those methods the
 * process ends at once. When callback() returns and no coroutine or timer it started is
 * left (or it was asked to leave), the process ends and the manager starts it again after
 * `restart_interval` seconds.
 */
final class ProcessLoop
{
    public function __construct(
        private string $basePath,
        private ServerConfig $config,
        private array $role,
        private HttpServer $server,
        private Transport $transport,
        private ProcessConfig $definition,
        private Process $process
    ) {
    }

    public function run(): int
    {
        $name = $this->role['process_name'];
        $class = $this->definition->class;
        // The environment as before the master read .env, and not a console command.
        ProcessEnvironment::forRequests();
        CurrentTransport::set($this->transport);
        Scheduler::reset();
        $scheduler = Scheduler::current();
        $this->server->bindWorker((int) $this->role['worker_id'], (int) $this->role['master_pid'], (int) $this->role['manager_pid']);
        $gateway = (new BootGuard("process $name"))->boot(fn () => Gateway::boot($this->basePath, $this->config->cleaners, ['swoole' => $this->server]));
        $this->process->becomeSelf();
        // The handlers are in place before the pid file names this process: whoever reads it
        // may signal at once.
        pcntl_async_signals(true);
        foreach ([SIGUSR1 => 'onReload', SIGTERM => 'onStop'] as $signal => $method) {
            pcntl_signal($signal, function () use ($class, $method, $scheduler): void {
                if (!method_exists($class, $method)) {
                    exit(0);
                }
                $class::$method($this->server, $this->process);
                // Every Coroutine::sleep() ends now, so the seed's `while (!self::$quit)`
                // loop sees its flag at once; the process ends when callback() returns.
                $scheduler->leave();
            }, false); // interrupt a blocking read() or the loop's sleep so the handler runs now
        }
        self::recordPid($this->config->processPidFile(), getmypid());
        $this->transport->connect();
        $this->transport->waitStop(0);

        if ($this->definition->redirect) {
            // Output of the process goes to its pipe, as Swoole's redirect_stdin_stdout does.
            ob_start(function (string $buffer): string {
                $this->process->write($buffer);

                return '';
            }, 1);
        }
        $scheduler->reportWith(function (\Throwable $e) use ($gateway, $name): void {
            $gateway->report($e);
            $what = sprintf('%s: %s', get_class($e), $e->getMessage());
            fwrite(STDERR, sprintf("[%s] [process %s] uncaught in a timer or coroutine: %s\n", gmdate('Y-m-d H:i:s'), $name, $what));
        });
        try {
            // callback() runs in a coroutine, as under Swoole >= 2.1; the process stays
            // while it, the coroutines it started or its timers have work.
            $scheduler->run(fn () => $class::callback($this->server, $this->process));
        } catch (\Throwable $e) {
            $gateway->report($e);
            fwrite(STDERR, sprintf("[%s] [process %s] callback failed: %s: %s\n", gmdate('Y-m-d H:i:s'), $name, get_class($e), $e->getMessage()));

            return 1;
        }

        return 0;
    }

    /**
     * Adds $pid to the custom processes' pid file, one pid a line as LaravelS writes it (so
     * `kill $(cat storage/laravels-custom-processes.pid)` works), and drops the pids of
     * processes that have ended (one this process replaces).
     */
    private static function recordPid(string $file, int $pid): void
    {
        $handle = @fopen($file, 'c+');
        if ($handle === false) {
            return;
        }
        flock($handle, LOCK_EX);
        $live = array_filter(
            array_map('intval', preg_split('/\s+/', (string) stream_get_contents($handle), -1, PREG_SPLIT_NO_EMPTY) ?: []),
            fn (int $p) => $p > 0 && $p !== $pid && PidFile::isAlive($p)
        );
        $live[] = $pid;
        ftruncate($handle, 0);
        rewind($handle);
        fwrite($handle, implode("\n", $live) . "\n");
        flock($handle, LOCK_UN);
        fclose($handle);
    }
}
