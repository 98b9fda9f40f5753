<?php

namespace App\Http\Middleware;

use Illuminate\Foundation\Http\Middleware\VerifyCsrfToken as Middleware;

class VerifyCsrfToken extends Middleware
{
    /**
     * The routes the end-to-end tests POST to without a form token.
     *
     * @var array<int, string>
     */
    protected $except = [
        'echo',
        'upload',
    ];
}
