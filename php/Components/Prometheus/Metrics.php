<?php

namespace LaravelS\Components\Prometheus;

/**
 * What the component measures, under LaravelS's metric names (so its Grafana panels work):
 * requests by method, route and status; each process's memory and GC; the server's
 * stats(); the system's load. Values go to the shared MetricStore.
 */
final class Metrics
{
    /** A process reports its memory and GC at most this often (seconds). */
    private const PROCESS_EVERY = 1.0;

    private float $processReported = 0.0;

    /** @param array<string, mixed> $config config('prometheus') */
    public function __construct(private MetricStore $store, private array $config)
    {
    }

    /**
     * One request: http_server_requests_seconds (a summary: _count and _sum, in seconds)
     * by method, uri (the route's pattern, so /users/1 and /users/2 are one series; the
     * path when no route matched) and status; requests answered with an ignored status
     * are not counted.
     */
    public function request(string $method, string $uri, int $status, float $seconds): void
    {
        if (isset($this->config['ignored_http_codes'][$status]) || isset($this->config['ignored_http_codes'][(string) $status])) {
            return;
        }
        $labels = ['method' => $method, 'uri' => $uri, 'status' => $status];
        $this->store->increment('http_server_requests_seconds_count', 'summary', $labels);
        $this->store->increment('http_server_requests_seconds_sum', 'summary', $labels, $seconds);
    }

    /** This process's memory and GC (swoole_worker_*), at most once a second unless $now. */
    public function process(int $workerId, string $workerType, bool $now = false): void
    {
        $time = microtime(true);
        if (!$now && $time - $this->processReported < self::PROCESS_EVERY) {
            return;
        }
        $this->processReported = $time;
        $labels = ['worker_id' => $workerId, 'worker_type' => $workerType];
        $gc = gc_status();
        $gauges = [
            'swoole_worker_memory_usage' => memory_get_usage(),
            'swoole_worker_memory_real_usage' => memory_get_usage(true),
            'swoole_worker_gc_runs' => $gc['runs'],
            'swoole_worker_gc_collected' => $gc['collected'],
            'swoole_worker_gc_threshold' => $gc['threshold'],
            'swoole_worker_gc_roots' => $gc['roots'],
        ];
        foreach ($gauges as $name => $value) {
            $this->store->set($name, 'gauge', $labels, (float) $value);
        }
    }

    /**
     * The server's figures (swoole_*, from Server::stats()) and the system's load.
     *
     * @param array<string, int|float> $stats
     */
    public function server(array $stats, int $idleWorkers, int $idleTaskWorkers): void
    {
        $load = sys_getloadavg() ?: [0, 0, 0];
        $gauges = [
            'swoole_cpu_num' => self::cpus(),
            'swoole_start_time' => $stats['start_time'] ?? 0,
            'swoole_connection_num' => $stats['connection_num'] ?? 0,
            'swoole_request_count' => $stats['request_count'] ?? 0,
            'swoole_worker_num' => $stats['worker_num'] ?? 0,
            'swoole_idle_worker_num' => $idleWorkers,
            'swoole_task_worker_num' => $stats['task_worker_num'] ?? 0,
            'swoole_task_idle_worker_num' => $idleTaskWorkers,
            'swoole_tasking_num' => ($stats['task_worker_num'] ?? 0) - $idleTaskWorkers,
            'system_load_average_1m' => $load[0],
            'system_load_average_5m' => $load[1],
            'system_load_average_15m' => $load[2],
        ];
        foreach ($gauges as $name => $value) {
            $this->store->set($name, 'gauge', [], (float) $value);
        }
    }

    /** The machine's CPUs, as swoole_cpu_num() counts them. */
    private static function cpus(): int
    {
        static $cpus = null;

        return $cpus ??= max(1, preg_match_all('/^processor\s*:/m', (string) @file_get_contents('/proc/cpuinfo')));
    }
}
