<?php

namespace App\Http\Middleware;

use Illuminate\Cookie\Middleware\EncryptCookies as Middleware;

class EncryptCookies extends Middleware
{
    /**
     * Cookies sent and read in clear text. GET /cookies sets `plain` to show one of each kind.
     *
     * @var array<int, string>
     */
    protected $except = [
        'plain',
    ];
}
