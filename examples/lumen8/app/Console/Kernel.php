<?php

namespace App\Console;

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
}
