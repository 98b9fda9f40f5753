<?php

/** @var \Laravel\Lumen\Routing\Router $router */

/*
 * The routes the end-to-end tests drive on Lumen; each answers like its namesake in
 * the Laravel example (examples/laravel8).
 */

$router->get('/hello', 'DemoController@hello');
$router->addRoute(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], '/echo', 'DemoController@echo');
$router->get('/exception', 'DemoController@exception');
$router->get('/exit', 'DemoController@exit');
$router->get('/sleep/{ms:[0-9]+}', 'DemoController@sleep');
$router->get('/pid', 'DemoController@pid');
$router->get('/stream', 'DemoController@stream');
