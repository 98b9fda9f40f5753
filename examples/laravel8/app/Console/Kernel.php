<?php

namespace App\Console;

use Illuminate\Foundation\Console\Kernel as ConsoleKernel;

/**
 * The stock console kernel: the framework's commands plus the discovered packages'
 * (`php artisan laravels ...` comes from the laravels-rs service provider).
 */
class Kernel extends ConsoleKernel
{
}
