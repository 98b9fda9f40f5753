<?php

declare(strict_types=1);

namespace LaravelS\Diagnostics;

use Illuminate\Contracts\Container\Container;

/**
 * Where the leak detector's findings go, once per offender per worker: a line on the
 * worker's stderr (the server's console or `log_file`), a warning in the application's
 * log, and a JSON line in `laravels-leaks.log` beside the pid file, which
 * `php bin/laravels info` sums up for the running server.
 */
final class LeakLog
{
    /** @var array<string, true> */
    private array $reported = [];

    public function __construct(
        private Container $app,
        private string $file,
        private int $masterPid,
        private int $workerId,
    ) {
    }

    /** The summary file beside a pid file. */
    public static function fileBeside(string $pidFile): string
    {
        return dirname($pidFile) . '/laravels-leaks.log';
    }

    /** Records an offender unless this worker reported it already. */
    public function report(Finding $finding): void
    {
        if (isset($this->reported[$finding->offender])) {
            return;
        }
        $this->reported[$finding->offender] = true;
        $line = $finding->line();
        fwrite(STDERR, sprintf("[%s] [worker #%d] %s\n", gmdate('Y-m-d H:i:s'), $this->workerId, $line));
        try {
            if ($this->app->bound('log')) {
                $this->app->make('log')->warning($line);
            }
        } catch (\Throwable) {
            // The app's logger is the app's: a broken one does not stop the report.
        }
        $record = ['master_pid' => $this->masterPid, 'worker' => $this->workerId, 'time' => gmdate('c')] + $finding->toArray();
        $json = json_encode($record, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE);
        @file_put_contents($this->file, $json . "\n", FILE_APPEND | LOCK_EX);
    }

    /**
     * The distinct offenders the server with this master pid reported, with how many
     * workers reported each, from a summary file.
     *
     * @return array<string, array{kind: string, what: string, route: string, workers: int}>
     */
    public static function summary(string $file, int $masterPid): array
    {
        $offenders = [];
        foreach (is_file($file) ? (array) file($file, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) : [] as $line) {
            $record = json_decode($line, true);
            if (!is_array($record) || ($record['master_pid'] ?? null) !== $masterPid) {
                continue;
            }
            $offender = (string) $record['offender'];
            $offenders[$offender] ??= [
                'kind' => (string) $record['kind'],
                'what' => (string) $record['what'],
                'route' => (string) $record['route'],
                'workers' => 0,
            ];
            $offenders[$offender]['workers']++;
        }

        return $offenders;
    }
}
