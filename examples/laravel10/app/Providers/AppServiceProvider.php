<?php

namespace App\Providers;

use App\Support\Counter;
use Illuminate\Support\ServiceProvider;

class AppServiceProvider extends ServiceProvider
{
    public function register(): void
    {
        // Resolved lazily by GET /singleton: whether its count restarts at 1 on every
        // request shows whether instances a request creates outlive that request.
        $this->app->singleton(Counter::class);
    }

    public function boot(): void
    {
        //
    }
}
