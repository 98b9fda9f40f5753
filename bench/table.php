<?php
// Table get/set/incr per second from PHP against APCu, side by side in one run.
//   php -d extension=target/release/liblaravels.so -d apc.enable_cli=1 bench/table.php [ops per process] [rounds]
// Each measurement forks 1, then 2 processes that share the same 1,000 rows (a row is an
// int and a 32-byte string, as a WebSocket fd binding might be), runs the same loop in
// each, and counts operations per second over all of them. The median of the rounds is
// printed as a markdown table.

use LaravelS\Runtime\Table;

$opsPerProcess = (int) ($argv[1] ?? 2000000);
$rounds = (int) ($argv[2] ?? 3);
if (!extension_loaded('laravels') || !function_exists('pcntl_fork')) {
    fwrite(STDERR, "needs the laravels extension and pcntl: php -d extension=target/release/liblaravels.so bench/table.php\n");
    exit(1);
}
$apcu = function_exists('apcu_enabled') && apcu_enabled();
if (!$apcu) {
    fwrite(STDERR, "APCu is not enabled (apt-get install php8.2-apcu; run with -d apc.enable_cli=1): measuring the Table alone\n");
}

$keys = [];
$counterKeys = [];
for ($i = 0; $i < 1000; $i++) {
    $keys[] = "uid:$i";
    $counterKeys[] = "count:uid:$i";
}
$row = ['value' => 42, 'name' => 'a 32-byte string, for the bench'];

$table = new Table(4096);
$table->column('value', Table::TYPE_INT);
$table->column('name', Table::TYPE_STRING, 32);
$table->create();
foreach ($keys as $i => $key) {
    $table->set($key, $row);
    if ($apcu) {
        apcu_store($key, $row);
        apcu_store($counterKeys[$i], 0);
    }
}

// Each loop is written out in full, so both sides pay the same PHP overhead per call.
$loops = [
    'set' => [
        'Table' => function (int $n) use ($table, $keys, $row) { for ($i = 0; $i < $n; $i++) { $table->set($keys[$i % 1000], $row); } },
        'APCu' => function (int $n) use ($keys, $row) { for ($i = 0; $i < $n; $i++) { apcu_store($keys[$i % 1000], $row); } },
    ],
    'get' => [
        'Table' => function (int $n) use ($table, $keys) { for ($i = 0; $i < $n; $i++) { $table->get($keys[$i % 1000]); } },
        'APCu' => function (int $n) use ($keys) { for ($i = 0; $i < $n; $i++) { apcu_fetch($keys[$i % 1000]); } },
    ],
    'incr' => [
        'Table' => function (int $n) use ($table, $keys) { for ($i = 0; $i < $n; $i++) { $table->incr($keys[$i % 1000], 'value'); } },
        'APCu' => function (int $n) use ($counterKeys) { for ($i = 0; $i < $n; $i++) { apcu_inc($counterKeys[$i % 1000]); } },
    ],
];

/** Operations per second of $loop run by $procs processes at once. */
function measure(callable $loop, int $procs, int $ops): float
{
    $start = microtime(true);
    $children = [];
    for ($p = 0; $p < $procs; $p++) {
        $pid = pcntl_fork();
        if ($pid === 0) {
            $loop($ops);
            exit(0);
        }
        $children[] = $pid;
    }
    foreach ($children as $pid) {
        pcntl_waitpid($pid, $status);
        if (!pcntl_wifexited($status) || pcntl_wexitstatus($status) !== 0) {
            fwrite(STDERR, "a benchmark process failed\n");
            exit(1);
        }
    }

    return $procs * $ops / (microtime(true) - $start);
}

$results = [];
for ($round = 0; $round < $rounds; $round++) {
    foreach ([1, 2] as $procs) {
        foreach ($loops as $op => $sides) {
            foreach ($sides as $side => $loop) {
                if ($side === 'APCu' && !$apcu) {
                    continue;
                }
                $results[$procs][$op][$side][] = measure($loop, $procs, $opsPerProcess);
            }
        }
    }
}

$median = function (array $xs): float {
    sort($xs);

    return $xs[intdiv(count($xs), 2)];
};
printf("PHP %s, %d ops per process, median of %d rounds\n\n", PHP_VERSION, $opsPerProcess, $rounds);
echo "| processes | operation | Table (ops/s) | APCu (ops/s) | Table / APCu |\n|---|---|---|---|---|\n";
foreach ($results as $procs => $ops) {
    foreach ($ops as $op => $sides) {
        $t = $median($sides['Table']);
        $a = isset($sides['APCu']) ? $median($sides['APCu']) : null;
        printf("| %d | %s | %s | %s | %s |\n", $procs, $op, number_format($t), $a === null ? '-' : number_format($a), $a === null ? '-' : sprintf('%.2f', $t / $a));
    }
}
