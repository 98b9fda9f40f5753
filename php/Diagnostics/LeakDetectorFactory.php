<?php

declare(strict_types=1);

namespace LaravelS\Diagnostics;

use Illuminate\Contracts\Container\Container;
use LaravelS\Config\ServerConfig;

/** Builds a worker's leak detector from the server config and the worker's role. */
final class LeakDetectorFactory
{
    public static function make(Container $app, ServerConfig $config, array $role): LeakDetector
    {
        $settings = $config->cleaners->leakDetector;
        $worker = (int) $role['worker_id'];
        if ($worker === 0) {
            fwrite(STDERR, sprintf(
                "[%s] [worker #0] leak_detector is on: every request is compared with the state before it (a development aid; it costs time per request)\n",
                gmdate('Y-m-d H:i:s')
            ));
        }

        return new LeakDetector(
            $app,
            new OffenderFilter($settings->ignore),
            new LeakLog($app, LeakLog::fileBeside($config->pidFile), (int) $role['master_pid'], $worker),
        );
    }
}
