<?php

namespace LaravelS\Timer;

use Illuminate\Contracts\Console\Kernel;

/**
 * Runs `php artisan schedule:run` every minute in the timer process, in place of a crontab
 * line (`Hhxsv5\LaravelS\Illuminate\LaravelScheduleJob`). The app's console kernel
 * `schedule()` decides what is due, as with cron.
 */
class LaravelScheduleJob extends CronJob
{
    public function interval()
    {
        return $this->interval ?? 60 * 1000;
    }

    public function isImmediate()
    {
        return $this->isImmediate ?? false;
    }

    public function run()
    {
        app(Kernel::class)->call('schedule:run');
    }
}
