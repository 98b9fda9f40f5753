<?php
// Feature script for LaravelS\Runtime\Table and Atomic, run against the built .so:
//   php -d extension=target/release/liblaravels.so tests/ext/table.php
// Plain checks rather than assert(): Debian's php.ini compiles assertions out.
// Forks processes (pcntl) that share the tables as a server's workers do.
function check(bool $ok, string $what = 'check failed'): void
{
    if (!$ok) {
        fwrite(STDERR, "FAILED: $what\n");
        exit(1);
    }
}

use LaravelS\Runtime\Atomic;
use LaravelS\Runtime\Table;
use LaravelS\Runtime\TableException;

function expect_exception(callable $f, string ...$needles): void
{
    try {
        $f();
    } catch (TableException $e) {
        foreach ($needles as $n) {
            check(str_contains($e->getMessage(), $n), "message '{$e->getMessage()}' lacks '$n'");
        }
        return;
    }
    check(false, 'expected a TableException with ' . implode(', ', $needles));
}

/** Forks a child running $f; returns its pid. The child exits with what $f returns (an int), else 0, or 1 if $f threw. */
function spawn(callable $f): int
{
    $pid = pcntl_fork();
    if ($pid === 0) {
        try {
            $code = $f();
            exit(is_int($code) ? $code : 0);
        } catch (Throwable $e) {
            fwrite(STDERR, "child: $e\n");
            exit(1);
        }
    }

    return $pid;
}

function reap(int $pid): int
{
    pcntl_waitpid($pid, $status);

    return pcntl_wifexited($status) ? pcntl_wexitstatus($status) : -1;
}

/** Whether process $pid sleeps in a futex (an Atomic::wait), as /proc tells. */
function asleep_in_wait(int $pid): bool
{
    $stat = @file_get_contents("/proc/$pid/stat");
    $wchan = @file_get_contents("/proc/$pid/wchan");
    if ($stat === false || $wchan === false) {
        return false;
    }
    $state = explode(' ', substr($stat, strrpos($stat, ')') + 2))[0];
    // wchan reads "0" where the kernel hides it; the state alone must do then.
    return $state === 'S' && (str_starts_with($wchan, 'futex') || $wchan === '0');
}

/** Waits until each of $pids has announced itself on $ready and sleeps in wait(). */
function wait_until_asleep(array $pids, Atomic $ready): void
{
    while ($ready->get() < count($pids)) {
        usleep(1000);
    }
    foreach ($pids as $pid) {
        while (!asleep_in_wait($pid)) {
            usleep(1000);
        }
    }
}

function table(int $size, float $conflict = 0.2): Table
{
    $t = new Table($size, $conflict, 'testTable');
    $t->column('id', Table::TYPE_INT);
    $t->column('score', Table::TYPE_FLOAT);
    $t->column('name', Table::TYPE_STRING, 16);
    $t->create();

    return $t;
}

// A dead lock would hang the script: SIGALRM's default action ends it, failing the run.
pcntl_alarm(60);
$checks = 0;

// Swoole's constants and interfaces.
check([Table::TYPE_INT, Table::TYPE_FLOAT, Table::TYPE_STRING] === [1, 2, 3], 'Swoole\'s TYPE_* values');
check(new Table(1) instanceof Iterator && new Table(1) instanceof Countable);
$checks += 2;

// set / get / exist / del, as the README's WebSocket example uses them.
$t = table(1000);
check($t->getSize() === 1024, 'size rounds up to a power of two: ' . $t->getSize());
check($t->getMemorySize() > 1024 * 56, 'memory for the rows: ' . $t->getMemorySize());
check($t->set('uid:7', ['id' => 3, 'score' => 1.5, 'name' => 'alice']) === true);
check($t->get('uid:7') === ['id' => 3, 'score' => 1.5, 'name' => 'alice'], json_encode($t->get('uid:7')));
check($t->get('uid:7', 'name') === 'alice' && $t->get('uid:7', 'id') === 3);
check($t->get('nobody') === false && $t->get('nobody', 'id') === false);
check($t->set('uid:7', ['score' => 2]) && $t->get('uid:7') === ['id' => 3, 'score' => 2.0, 'name' => 'alice'], 'an update keeps the other columns');
check($t->set('fd:9', ['id' => '12', 'ignored' => 'x']) && $t->get('fd:9') === ['id' => 12, 'score' => 0.0, 'name' => ''], 'values are converted; unknown keys ignored');
check($t->exist('uid:7') && $t->exists('fd:9') && !$t->exist('nobody'));
check(count($t) === 2 && $t->count() === 2);
check($t->del('fd:9') === true && $t->delete('fd:9') === false && !$t->exists('fd:9') && count($t) === 1);
$checks += 11;

// Keys are strings; an integer key is its decimal text (an fd as key). Binary data is kept.
check($t->set(42, ['id' => 1]) && $t->get('42', 'id') === 1 && $t->exist(42));
check($t->set("k\0\xff", ['name' => "a\0b\xff"]) && $t->get("k\0\xff", 'name') === "a\0b\xff");
$checks += 2;

// incr / decr create the row, add, and return the new value.
check($t->incr('hits', 'id') === 1 && $t->incr('hits', 'id', 10) === 11 && $t->decr('hits', 'id', 4) === 7);
check($t->incr('hits', 'score', 0.25) === 0.25 && $t->decr('hits', 'score') === -0.75);
expect_exception(fn () => $t->incr('hits', 'name'), "column 'name' is TYPE_STRING");
expect_exception(fn () => $t->incr('hits', 'nope'), "no column 'nope'", 'its columns: id, score, name');
expect_exception(fn () => $t->get('hits', 'nope'), "no column 'nope'");
$checks += 5;

// What does not fit is an error, named; a full table warns and returns false.
expect_exception(fn () => $t->set(str_repeat('k', 64), []), 'testTable', '64 bytes long', 'at most 63');
check($t->set(str_repeat('k', 63), []), 'a 63-byte key fits');
expect_exception(fn () => $t->set('', []), 'key is empty');
expect_exception(fn () => $t->set('long', ['name' => str_repeat('x', 17)]), "column 'name'", '17 bytes', 'at most 16 bytes');
check($t->set('fits', ['name' => str_repeat('x', 16)]) && strlen($t->get('fits', 'name')) === 16);
expect_exception(fn () => $t->set('arr', ['name' => ['no']]), "column 'name' takes a string");
$small = new Table(2, 0, 'smallTable');
$small->column('v', Table::TYPE_INT);
$small->create();
check($small->set('a', ['v' => 1]) && $small->set('b', ['v' => 2]));
$warnings = [];
set_error_handler(function (int $no, string $message) use (&$warnings) { $warnings[] = $message; return true; });
check($small->set('c', ['v' => 3]) === false && $small->incr('d', 'v') === false, 'a full table returns false');
restore_error_handler();
check(count($warnings) === 2 && str_contains($warnings[0], 'smallTable') && str_contains($warnings[0], 'full (2 rows for size 2)'), json_encode($warnings));
check($small->set('a', ['v' => 5]) && $small->del('b') && $small->set('c', ['v' => 3]), 'updates, then a freed row, still work');
$checks += 10;

// Defining a table: bad columns and out-of-order calls are errors.
$d = new Table(8);
expect_exception(fn () => $d->column('x', 9), 'column type 9 is unknown', 'TYPE_INT (1)');
expect_exception(fn () => $d->column('s', Table::TYPE_STRING), "column 's' is TYPE_STRING and needs a size");
expect_exception(fn () => $d->set('a', []), 'not created yet');
expect_exception(fn () => $d->create(), 'no columns');
expect_exception(fn () => new Table(0), 'size must be between 1');
$d->column('x', Table::TYPE_INT);
expect_exception(fn () => $d->column('x', Table::TYPE_INT), "'x' is defined twice");
$d->create();
expect_exception(fn () => $d->column('y', Table::TYPE_INT), 'already created');
$checks += 7;

// foreach sees every row once, with its key.
$it = table(64);
for ($i = 0; $i < 70; $i++) {
    $it->set("uid:$i", ['id' => $i, 'name' => "n$i"]);
}
$seen = [];
foreach ($it as $key => $row) {
    check($key === "uid:{$row['id']}" && $row['name'] === "n{$row['id']}", "row $key");
    $seen[] = $row['id'];
}
sort($seen);
check($seen === range(0, 69), 'every row once');
$checks += 2;

// $size and $memorySize, as Swoole sets them in create(); getSize() is known before.
$p = new Table(1000, 0.2, 'propTable');
check($p->size === null && $p->memorySize === null && $p->getSize() === 1024 && $p->getMemorySize() === 0, 'before create()');
check($p->stats() === false && count($p) === 0, 'no stats before create()');
$p->column('id', Table::TYPE_INT);
$p->create();
check($p->size === 1024 && $p->size === $p->getSize() && $p->memorySize === $p->getMemorySize() && $p->memorySize > 1228 * 96, "size {$p->size}, memorySize {$p->memorySize}");
try {
    $p->size = 1;
    check(false, 'size is read-only');
} catch (Exception $e) {
    check($p->size === 1024);
}
$checks += 4;

// stats(): Swoole's keys. One bucket, room for two rows: every row after the first
// meets another in its bucket.
$st = new Table(1, 1.0);
$st->column('n', Table::TYPE_INT);
$st->create();
check($st->stats() === ['num' => 0, 'conflict_count' => 0, 'conflict_max_level' => 0, 'insert_count' => 0, 'update_count' => 0, 'delete_count' => 0, 'available_slice_num' => 2, 'total_slice_num' => 2], json_encode($st->stats()));
$st->set('a', ['n' => 1]);
$st->set('b', []);
$st->set('a', ['n' => 2]);
$st->incr('b', 'n');
check(@$st->set('c', []) === false, 'full');
$st->del('a');
$st->del('a');
$st->decr('c', 'n');
check($st->stats() === ['num' => 2, 'conflict_count' => 2, 'conflict_max_level' => 1, 'insert_count' => 3, 'update_count' => 2, 'delete_count' => 1, 'available_slice_num' => 0, 'total_slice_num' => 2], json_encode($st->stats()));
$checks += 2;

// Many processes incrementing the same rows reach exact totals (Atomic too).
$counts = table(256);
$atomic = new Atomic(0);
$children = [];
for ($p = 0; $p < 4; $p++) {
    $children[] = spawn(function () use ($counts, $atomic) {
        for ($i = 0; $i < 20000; $i++) {
            $counts->incr('row' . ($i % 10), 'id');
            $counts->incr('row' . ($i % 10), 'score', 0.5);
            $atomic->add(1);
        }
    });
}
foreach ($children as $pid) {
    check(reap($pid) === 0, 'an incrementing process failed');
}
for ($k = 0; $k < 10; $k++) {
    check($counts->get("row$k") === ['id' => 8000, 'score' => 4000.0, 'name' => ''], "row$k: " . json_encode($counts->get("row$k")));
}
check($atomic->get() === 80000, 'atomic total ' . $atomic->get());
$stats = $counts->stats();
check([$stats['num'], $stats['insert_count'], $stats['update_count'], $stats['delete_count']] === [10, 10, 159990, 0], 'stats count every process: ' . json_encode($stats));
check($stats['available_slice_num'] === $stats['total_slice_num'] - 10 && $stats['total_slice_num'] === 256 + 51);
$checks += 5;

// foreach while other processes write: every row seen is whole. A row is consistent
// when its three columns agree: id, id as a float, id as text.
function write_row(Table $t, string $key, int $n): bool
{
    return $t->set($key, ['id' => $n, 'score' => (float) $n, 'name' => (string) $n]);
}
function check_rows(Table $t): int
{
    $n = 0;
    foreach ($t as $key => $row) {
        check($row['score'] === (float) $row['id'] && $row['name'] === (string) $row['id'], "torn row $key: " . json_encode($row));
        $n++;
    }

    return $n;
}
$shared = table(16);
$writer = spawn(function () use ($shared) {
    for ($n = 0; $n < 200000; $n++) {
        $key = 'k' . ($n % 17);
        $n % 7 === 0 ? $shared->del($key) : write_row($shared, $key, $n);
    }
});
$passes = 0;
while (pcntl_waitpid($writer, $status, WNOHANG) === 0) {
    check_rows($shared);
    $passes++;
}
check(pcntl_wexitstatus($status) === 0 && $passes > 3, "iterated $passes times while writing");
$checks++;

// A writer SIGKILLed at random moments, often while holding a row lock, leaves no dead
// lock and no torn row; the row count stays exact and every row stays usable.
for ($round = 0; $round < 40; $round++) {
    $victims = [];
    foreach ([0, 1] as $w) {
        $victims[] = spawn(function () use ($shared, $round, $w) {
            for ($n = $round * 2 + $w; ; $n += 2) {
                $key = 'k' . ($n % 17);
                $n % 7 === 0 ? $shared->del($key) : write_row($shared, $key, $n);
            }
        });
    }
    usleep(1000 + ($round * 677) % 3000);
    foreach ($victims as $victim) {
        posix_kill($victim, SIGKILL);
        reap($victim);
    }
    check(check_rows($shared) === count($shared), "round $round: count() matches the rows");
    write_row($shared, 'k' . $round % 17, $round);
}
for ($i = 0; count($shared) < 19; $i++) {
    check(write_row($shared, "fill$i", $i), "fill$i fits");
}
check(check_rows($shared) === 19 && @$shared->set('one-more', []) === false, 'the table fills to its capacity, 16 + 20%');
$checks += 2;

// destroy(): the table is gone from this process. count(), getSize() and getMemorySize()
// answer 0 and stats() false, as in Swoole; every other method throws. A process forked
// before keeps its own mapping, rows and all.
$gone = table(64);
$gone->set('k', ['id' => 1]);
$memory = $gone->memorySize;
$go = new Atomic(0);
$survivor = spawn(function () use ($gone, $go) {
    if (!$go->wait(30)) {
        return 2;
    }
    // Destroyed in the parent meanwhile: still whole here.
    return $gone->get('k', 'id') === 1 && $gone->incr('k', 'id') === 2 && count($gone) === 1 ? 0 : 3;
});
$other = spawn(function () use ($gone) { $gone->destroy(); });
check(reap($other) === 0 && $gone->get('k', 'id') === 1, "a child's destroy() leaves the parent's table");
check($gone->destroy() === true);
$go->wakeup();
check(reap($survivor) === 0, "the parent's destroy() leaves a child's table");
check(count($gone) === 0 && $gone->getSize() === 0 && $gone->getMemorySize() === 0 && $gone->stats() === false);
check($gone->size === 64 && $gone->memorySize === $memory, 'the properties keep what create() set');
$calls = [
    'set' => fn () => $gone->set('k', ['id' => 1]), 'get' => fn () => $gone->get('k'),
    'exists' => fn () => $gone->exists('k'), 'exist' => fn () => $gone->exist('k'),
    'del' => fn () => $gone->del('k'), 'delete' => fn () => $gone->delete('k'),
    'incr' => fn () => $gone->incr('k', 'id'), 'decr' => fn () => $gone->decr('k', 'id'),
    'column' => fn () => $gone->column('x', Table::TYPE_INT), 'create' => fn () => $gone->create(),
    'destroy' => fn () => $gone->destroy(), 'foreach' => function () use ($gone) { foreach ($gone as $row) {} },
    'rewind' => fn () => $gone->rewind(), 'valid' => fn () => $gone->valid(), 'current' => fn () => $gone->current(),
    'key' => fn () => $gone->key(), 'next' => fn () => $gone->next(),
];
foreach ($calls as $method => $call) {
    expect_exception($call, 'testTable', 'was destroyed in this process');
}
expect_exception(fn () => (new Table(8))->destroy(), 'not created yet');
$checks += 6 + count($calls);

// destroy() from PHP code running inside another call on the table (here a key's
// __toString) is refused: that call is still using the rows.
$busy = table(8);
$key = new class ($busy) {
    public ?string $refused = null;

    public function __construct(private Table $table) {}

    public function __toString(): string
    {
        try {
            $this->table->destroy();
        } catch (TableException $e) {
            $this->refused = $e->getMessage();
        }

        return 'k';
    }
};
check($busy->set($key, ['id' => 5]) && str_contains((string) $key->refused, 'while another call on this table was running'), (string) $key->refused);
check($busy->get('k', 'id') === 5 && $busy->destroy(), 'the table stayed; destroy() works once the call is over');
$checks += 2;

// Atomic: Swoole's API; wait() is woken by another process.
$a = new Atomic(2233);
check($a->get() === 2233 && $a->add() === 2234 && $a->add(6) === 2240 && $a->sub(40) === 2200 && $a->sub() === 2199);
check($a->cmpset(2199, 0) && !$a->cmpset(2199, 1) && $a->get() === 0);
check($a->wait(0.05) === false, 'no wakeup: wait() times out');
$started = microtime(true);
$waker = spawn(function () use ($a) { usleep(100000); $a->wakeup(); });
check($a->wait(5) === true, 'woken by another process');
$waited = microtime(true) - $started;
check($waited > 0.08 && $waited < 4, "waited $waited s");
check(reap($waker) === 0 && $a->get() === 0);
$waker = spawn(function () use ($a) { usleep(100000); $a->wakeup(); });
check($a->wait(0) === true && reap($waker) === 0, 'wait(0) has no time limit, as in Swoole');
$a->wakeup();
check($a->get() === 1 && $a->wait() === true && $a->get() === 0, 'a wakeup before the wait is not lost');
$a->set(7);
check($a->get() === 7 && $a->wait(-1) === false && $a->wakeup() && $a->get() === 7, 'a value other than 0 or 1 is no flag');
$checks += 8;

// wakeup(n) wakes n sleeping processes at once. One wakeup sets one flag: the first to
// take it returns true, the others false, at once rather than at their 30 s timeout.
$flag = new Atomic(0);
$ready = new Atomic(0);
$wait30 = function () use ($flag, $ready) {
    $ready->add();

    return $flag->wait(30) ? 10 : 11;
};
$sleepers = [spawn($wait30), spawn($wait30), spawn($wait30)];
wait_until_asleep($sleepers, $ready);
$started = microtime(true);
check($flag->wakeup(3) === true);
$codes = array_map('reap', $sleepers);
sort($codes);
check($codes === [10, 11, 11], 'one true, two false: ' . json_encode($codes));
check(microtime(true) - $started < 15, 'the woken processes returned at once');
check($flag->get() === 0, 'the flag was taken');
// wakeup(1) wakes one of two: the other sleeps on until the next wakeup.
$ready->set(0);
$sleepers = [spawn($wait30), spawn($wait30)];
wait_until_asleep($sleepers, $ready);
$flag->wakeup(1);
$exited = null;
while ($exited === null) {
    foreach ($sleepers as $pid) {
        if (pcntl_waitpid($pid, $status, WNOHANG) === $pid) {
            $exited = $pid;
            check(pcntl_wexitstatus($status) === 10, 'the woken one took the flag');
        }
    }
    usleep(1000);
}
$other = $sleepers[0] === $exited ? $sleepers[1] : $sleepers[0];
check(pcntl_waitpid($other, $status, WNOHANG) === 0 && asleep_in_wait($other), 'the other still sleeps');
$flag->wakeup(1);
check(reap($other) === 10, 'the next wakeup wakes it');
$checks += 6;

// Atomic\Long: Swoole's 64-bit counter, shared with processes forked after it.
$long = new Atomic\Long(PHP_INT_MAX - 1);
check($long->get() === PHP_INT_MAX - 1 && $long->add() === PHP_INT_MAX && $long->add() === PHP_INT_MIN, 'wraps at the 64-bit limit');
$long->set(-5);
check($long->sub(10) === -15 && $long->cmpset(-15, 3) && !$long->cmpset(-15, 4) && $long->get() === 3);
check(!method_exists($long, 'wait') && !method_exists($long, 'wakeup') && !($long instanceof Atomic), "Swoole's Long has no wait/wakeup");
$long = new Atomic\Long();
$children = [];
for ($p = 0; $p < 3; $p++) {
    $children[] = spawn(function () use ($long) {
        for ($i = 0; $i < 10000; $i++) {
            $long->add(1 << 33);
        }
    });
}
foreach ($children as $pid) {
    check(reap($pid) === 0, 'an adding process failed');
}
check($long->get() === 30000 * (1 << 33), 'exact 64-bit total across processes: ' . $long->get());
$checks += 4;

// The Swoole names resolve to these classes (before PHP 8.3 through the extension's
// alias_class(), since class_alias() refuses extension classes).
require_once __DIR__ . '/../../php/Compat/aliases.php';
check(new \Swoole\Atomic\Long(7) instanceof Atomic\Long && (new \ReflectionClass('Swoole\Atomic\Long'))->getName() === 'LaravelS\Runtime\Atomic\Long');
check(new \Swoole\Atomic() instanceof Atomic && new \Swoole\Table(8) instanceof Table);
$checks += 2;

// swoole_tables from config/laravels.php: tables by property name; a bad entry names its key
// (its shape in the extension's parse, the rest when the table is made).
require_once __DIR__ . '/../php/package-autoload.php';
$tables = fn (array $config) => LaravelS\Server\SwooleTables::create(LaravelS\Config\ServerConfig::load(['swoole_tables' => $config], '/tmp')->swooleTables);
$made = $tables(['ws' => ['size' => 1024, 'column' => [['name' => 'value', 'type' => Table::TYPE_INT, 'size' => 8]]]]);
check(array_keys($made) === ['wsTable'] && $made['wsTable']->set('uid:1', ['value' => 5]) && $made['wsTable']->get('uid:1', 'value') === 5);
$bad = [
    'laravels.swoole_tables.ws.size: the number of rows is missing' => ['ws' => ['column' => [['name' => 'v', 'type' => 1]]]],
    'laravels.swoole_tables.ws.column: the table needs a list' => ['ws' => ['size' => 8]],
    'laravels.swoole_tables.ws.column[0].type: 9 is not a column type' => ['ws' => ['size' => 8, 'column' => [['name' => 'v', 'type' => 9]]]],
    'laravels.swoole_tables.ws.column[1].name: every column needs a name' => ['ws' => ['size' => 8, 'column' => [['name' => 'v', 'type' => 1], ['type' => 1]]]],
    'laravels.swoole_tables.ws.column[0].size: a TYPE_STRING column needs' => ['ws' => ['size' => 8, 'column' => [['name' => 's', 'type' => 3]]]],
    "laravels.swoole_tables.ws: Table wsTable: column 'v' is defined twice" => ['ws' => ['size' => 8, 'column' => [['name' => 'v', 'type' => 1], ['name' => 'v', 'type' => 2]]]],
];
foreach ($bad as $message => $config) {
    try {
        $tables($config);
        check(false, "accepted: $message");
    } catch (InvalidArgumentException|LaravelS\Runtime\ConfigException $e) {
        check(str_starts_with($e->getMessage(), $message), "'{$e->getMessage()}' does not start with '$message'");
    }
}
$checks += 1 + count($bad);

echo "table: $checks checks passed\n";
