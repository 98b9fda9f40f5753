<?php

namespace App\Console;

use Illuminate\Console\Scheduling\Schedule;
use Illuminate\Foundation\Console\Kernel as ConsoleKernel;

/**
 * The stock console kernel: the framework's commands plus the discovered packages'
 * (`php artisan laravels ...` comes from the laravels-rs service provider).
 */
class Kernel extends ConsoleKernel
{
    /** One scheduled callback, so LaravelScheduleJob has something to run. */
    protected function schedule(Schedule $schedule): void
    {
        $schedule->call(function () {
            @mkdir(storage_path('app/timer'), 0777, true);
            file_put_contents(storage_path('app/timer/schedule.log'), getmypid() . "\n", FILE_APPEND);
        })->everyMinute();
    }
}
