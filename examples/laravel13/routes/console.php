<?php

use Illuminate\Support\Facades\Schedule;

/*
 * Artisan closures and the schedule (Laravel 11+ has no app/Console/Kernel.php).
 * One scheduled callback, so LaravelScheduleJob has something to run.
 */

Schedule::call(function () {
    @mkdir(storage_path('app/timer'), 0777, true);
    file_put_contents(storage_path('app/timer/schedule.log'), getmypid()."\n", FILE_APPEND);
})->everyMinute();
