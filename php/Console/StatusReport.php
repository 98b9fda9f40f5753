<?php

namespace LaravelS\Console;

/**
 * `php bin/laravels status [--json]`: asks the running master how each process is (pid,
 * idle or busy on which request and for how long, requests served, memory) and prints
 * a table, or the master's JSON as it is for scripts. The master answers from what it
 * already knows, without asking any worker, so it stays fast while every worker is busy.
 */
final class StatusReport
{
    public function __construct(private Output $out)
    {
    }

    /**
     * The master's status as an array (see src/reactor/status.rs), for code that acts on
     * it; null when the master cannot be asked (stopping, or not this runtime's).
     */
    public static function fetch(int $pid, int $port, float $timeout = 1.0): ?array
    {
        try {
            return json_decode(\LaravelS\Runtime\Control::status($pid, $port, $timeout), true, 16, JSON_THROW_ON_ERROR);
        } catch (\LaravelS\Runtime\WorkerException | \JsonException) {
            return null;
        }
    }

    /** Prints the status of the master $pid listening on $port; the exit code. */
    public function show(int $pid, int $port, bool $json): int
    {
        try {
            $text = \LaravelS\Runtime\Control::status($pid, $port, 2.0);
        } catch (\LaravelS\Runtime\WorkerException $e) {
            $this->out->error($e->getMessage());

            return 1;
        }
        if ($json) {
            fwrite(STDOUT, $text . "\n");

            return 0;
        }
        $status = json_decode($text, true, 16, JSON_THROW_ON_ERROR);
        $master = $status['master'];
        $this->out->info(sprintf(
            'master pid %d, %s%s, %d open connection(s)',
            $master['pid'],
            self::bytes($master['rss_bytes']),
            $master['draining'] ? ', draining' : '',
            $master['connections'],
        ));
        $rows = [];
        foreach ($status['processes'] as $p) {
            $rows[] = [
                sprintf('%s #%d', $p['role'], $p['id']),
                $p['pid'] ?? '-',
                $p['state'],
                isset($p['served']) ? (string) $p['served'] : '-',
                isset($p['rss_bytes']) ? self::bytes($p['rss_bytes']) : '-',
                isset($p['uptime_s']) ? self::duration($p['uptime_s'] * 1000) : '-',
                match ($p['state']) {
                    'busy' => sprintf('%s for %s', $p['current'], self::duration($p['busy_ms'])),
                    'failing to boot' => sprintf('%d failure(s) in a row; the error is in the log', $p['boot_failures']),
                    default => '',
                },
            ];
        }
        $this->out->table(['Process', 'PID', 'State', 'Served', 'Memory', 'Up', 'Doing'], $rows);

        return 0;
    }

    private static function bytes(?int $bytes): string
    {
        return $bytes === null ? '-' : sprintf('%.1f MB', $bytes / 1048576);
    }

    private static function duration(int $ms): string
    {
        return match (true) {
            $ms < 1000 => "{$ms}ms",
            $ms < 60000 => sprintf('%.1fs', $ms / 1000),
            $ms < 3600000 => sprintf('%dm%02ds', intdiv($ms, 60000), intdiv($ms % 60000, 1000)),
            default => sprintf('%dh%02dm', intdiv($ms, 3600000), intdiv($ms % 3600000, 60000)),
        };
    }
}
