<?php

use App\Http\Controllers\ResponseController;
use Illuminate\Support\Facades\Route;

/*
 * Prefixed /api, in the `api` group: no cookies, no session. GET /api/hello is the
 * benchmark route.
 */

Route::get('/hello', [ResponseController::class, 'hello']);

// The one-query benchmark route: a user row by id, one SELECT on the sqlite database.
Route::get('/db/{id}', [ResponseController::class, 'user'])->where('id', '[0-9]+');

// A Redis INCR through the resident Redis manager (tests/e2e/test_databases.py).
Route::get('/redis/{key}', [ResponseController::class, 'counter'])->where('key', '[a-z0-9-]+');
