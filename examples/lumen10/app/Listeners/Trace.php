<?php

namespace App\Listeners;

/** Appends "name pid" lines to storage/app/events/{id}.log, for the tests to read. */
final class Trace
{
    public static function record(string $id, string $name): void
    {
        @mkdir(storage_path('app/events'), 0777, true);
        file_put_contents(storage_path("app/events/$id.log"), $name . ' ' . getmypid() . "\n", FILE_APPEND);
    }
}
