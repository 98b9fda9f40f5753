<?php

namespace App\Console;

use Illuminate\Console\Scheduling\Schedule;
use Laravel\Lumen\Console\Kernel as ConsoleKernel;

/**
 * The stock console kernel: Lumen's commands plus those of the registered providers
 * (`php artisan laravels ...` comes from the laravels-rs service provider).
 */
class Kernel extends ConsoleKernel
{
    /**
     * @var array<int, class-string>
     */
    protected $commands = [];

    /** One scheduled callback, so LaravelScheduleJob has something to run. */
    protected function schedule(Schedule $schedule)
    {
        $schedule->call(function () {
            @mkdir(storage_path('app/timer'), 0777, true);
            file_put_contents(storage_path('app/timer/schedule.log'), getmypid() . "\n", FILE_APPEND);
        })->everyMinute();
    }
}
