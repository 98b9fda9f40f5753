<?php

namespace LaravelS\Console;

/**
 * `php bin/laravels reload`: signals the master (SIGUSR1) and waits until every old worker
 * is gone and as many new ones run. It returns at once with an error when the new workers
 * fail to boot (the master's status counts boot failures in a row), so a deploy script
 * learns that the release does not boot instead of waiting: the server keeps retrying, and
 * a fixed release boots on a later try or a later reload.
 */
final class Reload
{
    /** How long to wait for every worker to be replaced. */
    private const WAIT_SECONDS = 120;

    public function __construct(private Output $out)
    {
    }

    /** Reloads the master $pid, whose worker socket is on $port (0 on a unix socket); the exit code. */
    public function run(int $pid, int $port): int
    {
        $workers = self::workersOf($pid);
        $failedBefore = $this->status($pid, $port)['failures'] ?? [];
        posix_kill($pid, SIGUSR1);
        $this->out->info(sprintf('reloading %d worker(s) of master pid %d: each finishes its current request first', count($workers), $pid));
        $started = microtime(true);
        while (microtime(true) - $started < self::WAIT_SECONDS) {
            usleep(100000);
            $now = self::workersOf($pid);
            $status = $this->status($pid, $port);
            foreach ($status['failures'] ?? [] as $who => $count) {
                if ($count > ($failedBefore[$who] ?? 0)) {
                    $this->out->error(sprintf(
                        '%s failed to boot %d time(s) in a row since the reload; the error and its file and line are in the log. '
                        . 'The server keeps trying with a growing pause: fix the release and run reload again',
                        $who,
                        $count,
                    ));

                    return 1;
                }
            }
            // Replaced: none of the old children is left, as many new ones run, and each has
            // booted (the master knows its pid once it connected; a child still booting, or
            // about to fail, is not counted).
            $replaced = array_intersect($now, $workers) === [] && count($now) >= count($workers);
            if ($replaced && ($status === null || array_diff($now, $status['booted']) === [])) {
                $this->out->info(sprintf('reloaded in %.1fs: workers %s', microtime(true) - $started, implode(', ', $now)));

                return 0;
            }
        }
        $this->out->error(sprintf('workers were not all replaced within %ds; see the log for what they are doing', self::WAIT_SECONDS));

        return 1;
    }

    /**
     * From the master's status: the pids of the booted processes, and the boot failures in a
     * row per process ("worker #0" => 2); null when the master cannot be asked.
     *
     * @return array{booted: list<int>, failures: array<string, int>}|null
     */
    private function status(int $pid, int $port): ?array
    {
        $status = StatusReport::fetch($pid, $port);
        if ($status === null) {
            return null;
        }
        $booted = $failures = [];
        foreach ($status['processes'] ?? [] as $p) {
            if (isset($p['pid'])) {
                $booted[] = $p['pid'];
            }
            if (($p['boot_failures'] ?? 0) > 0) {
                $failures[sprintf('%s #%d', $p['role'], $p['id'])] = $p['boot_failures'];
            }
        }

        return ['booted' => $booted, 'failures' => $failures];
    }

    /** The pids of the master's workers: the children of its manager(s). */
    private static function workersOf(int $masterPid): array
    {
        $workers = [];
        foreach (PidFile::children($masterPid) as $manager) {
            $workers = array_merge($workers, PidFile::children($manager));
        }
        sort($workers);

        return $workers;
    }
}
