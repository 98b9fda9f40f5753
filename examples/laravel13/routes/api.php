<?php

use App\Http\Controllers\ResponseController;
use Illuminate\Support\Facades\Route;

/*
 * Prefixed /api, in the `api` group: no cookies, no session. GET /api/hello is the
 * benchmark route.
 */

Route::get('/hello', [ResponseController::class, 'hello']);
