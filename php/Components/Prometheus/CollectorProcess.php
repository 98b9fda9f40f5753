<?php

namespace LaravelS\Components\Prometheus;

use LaravelS\Contracts\CustomProcess;

/**
 * The seed's step 5 (Hhxsv5\LaravelS\Components\Prometheus\CollectorProcess): every
 * `prometheus.collect_metrics_interval` seconds it records the server's stats(), how many
 * workers and task workers are idle (from the master's status) and the system's load.
 * Workers report their own memory and GC after their requests.
 */
class CollectorProcess implements CustomProcess
{
    private static bool $running = true;

    public static function getDefinition(): array
    {
        return [
            'prometheus' => [
                'class' => self::class,
                'redirect' => false,
                'pipe' => 0,
                'enable' => true,
            ],
        ];
    }

    public static function callback(\Swoole\Http\Server $swoole, \Swoole\Process $process)
    {
        $metrics = app(Metrics::class);
        $interval = max(1, (int) config('prometheus.collect_metrics_interval', 10));
        while (self::$running) {
            [$idle, $idleTasks] = self::idle($swoole);
            $metrics->server($swoole->stats(), $idle, $idleTasks);
            $metrics->process((int) $swoole->worker_id, 'process', true);
            sleep($interval);
        }
    }

    public static function onReload(\Swoole\Http\Server $swoole, \Swoole\Process $process)
    {
        exit(0);
    }

    public static function onStop(\Swoole\Http\Server $swoole, \Swoole\Process $process)
    {
        exit(0);
    }

    /**
     * Idle workers and idle task workers, as the master knows them.
     *
     * @return array{0: int, 1: int}
     */
    private static function idle(\Swoole\Http\Server $swoole): array
    {
        $status = \LaravelS\Console\StatusReport::fetch((int) $swoole->master_pid, (int) $swoole->port);
        if ($status === null) {
            return [0, 0];
        }
        $idle = ['worker' => 0, 'task worker' => 0];
        foreach ($status['processes'] ?? [] as $p) {
            if (($p['state'] ?? '') === 'idle' && isset($idle[$p['role'] ?? ''])) {
                $idle[$p['role']]++;
            }
        }

        return [$idle['worker'], $idle['task worker']];
    }
}
