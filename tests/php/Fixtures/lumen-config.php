<?php

/*
 * A Lumen app whose cache service (and so its config file) is first used by a request.
 * Request 1 changes a booted setting and uses the cache; request 2 adds a setting;
 * request 3 uses the cache again. Prints what requests 2 and 3 saw as JSON. Argument
 * "clean" runs the cleaners after each request.
 */

require '/usr/share/php/Laravel/Lumen/autoload.php';
require __DIR__ . '/../package-autoload.php';

$base = sys_get_temp_dir() . '/laravels-lumen-config-' . getmypid();
@mkdir("$base/config", 0755, true);
file_put_contents("$base/config/app.php", "<?php return ['locale' => 'en'];");
file_put_contents("$base/config/cache.php", "<?php return ['default' => 'array', 'stores' => ['array' => ['driver' => 'array']], 'prefix' => 'x'];");

$app = new Laravel\Lumen\Application($base);
$app->configure('app');
$app->boot();
$view = json_decode(file_get_contents(__DIR__ . '/config-view.json'), true);
$cleaners = new LaravelS\Cleaners\CleanerManager($app, LaravelS\Config\CleanerConfig::fromArray($view));
$clean = function () use ($cleaners, $argv) {
    if (($argv[1] ?? '') === 'clean') {
        $cleaners->clean();
    }
};

config(['app.locale' => 'fr']);
$app->make('cache')->put('k', 'v', 60);
$clean();

$seen = ['app.locale' => config('app.locale')];
config(['demo.v' => 'set by request 2']);
$clean();

$seen['demo.v'] = config('demo.v');
$app->make('cache')->put('k', 'v', 60);
$seen['cache works'] = $app->make('cache')->get('k') === 'v';

array_map('unlink', glob("$base/config/*.php"));
rmdir("$base/config");
rmdir($base);
echo json_encode($seen);
