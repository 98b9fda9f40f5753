<?php

declare(strict_types=1);

namespace LaravelS\Diagnostics;

use LaravelS\Config\ServerConfig;
use LaravelS\Console\PidFile;

/** The rows `php bin/laravels info` prints about the leak detector and what it found. */
final class LeakSummary
{
    private const LISTED = 10;

    /** @return list<array{0: string, 1: string}> */
    public static function rows(ServerConfig $config): array
    {
        if (!$config->cleaners->leakDetector->enable) {
            return [['Leak detector', 'off']];
        }
        $file = LeakLog::fileBeside($config->pidFile);
        $master = PidFile::runningPid($config->pidFile);
        if ($master === null) {
            return [['Leak detector', 'on (the server is not running)']];
        }
        $offenders = LeakLog::summary($file, $master);
        $rows = [['Leak detector', sprintf('on: %d offender%s found (%s)', count($offenders), count($offenders) === 1 ? '' : 's', $file)]];
        foreach (array_slice($offenders, 0, self::LISTED, true) as $offender => $finding) {
            $rows[] = ['  leak', sprintf('%s %s, during %s', $offender, $finding['what'], $finding['route'])];
        }
        if (count($offenders) > self::LISTED) {
            $rows[] = ['  leak', sprintf('... and %d more in %s', count($offenders) - self::LISTED, $file)];
        }

        return $rows;
    }
}
