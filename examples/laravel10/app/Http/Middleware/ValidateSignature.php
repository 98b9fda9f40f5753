<?php

namespace App\Http\Middleware;

use Illuminate\Routing\Middleware\ValidateSignature as Middleware;

class ValidateSignature extends Middleware
{
    /**
     * Query parameters a signed URL may carry without breaking its signature.
     *
     * @var array<int, string>
     */
    protected $except = [];
}
