<?php

use App\Http\Controllers\PhpGlobalsController;
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

// Code written for php-fpm: PHP's request globals and header functions (tests/e2e/test_php_globals.py).
Route::any('/php/globals', [PhpGlobalsController::class, 'globals']);
Route::post('/php/upload', [PhpGlobalsController::class, 'upload']);
Route::get('/php/headers', [PhpGlobalsController::class, 'headers']);
Route::get('/php/legacy', [PhpGlobalsController::class, 'legacy']);
Route::get('/php/exit', [PhpGlobalsController::class, 'exit']);
Route::get('/php/stream', [PhpGlobalsController::class, 'stream']);
