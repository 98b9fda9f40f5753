<?php
// Feature script for LaravelS\Runtime\Lock (Swoole\Lock), run against the built .so:
//   php -d extension=target/release/liblaravels.so tests/ext/lock.php
// Swoole's documented example, checked: a lock the parent holds before the fork makes
// the child wait until the parent unlocks it. Plain checks rather than assert().
function check(bool $ok, string $what = 'check failed'): void
{
    if (!$ok) {
        fwrite(STDERR, "FAILED: $what\n");
        exit(1);
    }
}

use LaravelS\Runtime\Atomic;
use LaravelS\Runtime\Lock;

/** Runs $f in a child; returns its exit status ($f's int, 1 if it threw). */
function in_child(callable $f): int
{
    $pid = pcntl_fork();
    if ($pid === 0) {
        try {
            exit((int) $f());
        } catch (Throwable $e) {
            fwrite(STDERR, "child: $e\n");
            exit(1);
        }
    }
    pcntl_waitpid($pid, $status);

    return pcntl_wexitstatus($status);
}

check(Lock::MUTEX === 3 && Lock::RWLOCK === 1 && Lock::FILELOCK === 2 && Lock::SEM === 4 && Lock::SPINLOCK === 5, "Swoole's constant values");

// Swoole's example: the parent locks, forks, sleeps, unlocks; the child's lock() waits.
$lock = new Lock(); // SWOOLE_MUTEX by default
$order = new Atomic(0);
check($lock->lock(), 'lock');
$pid = pcntl_fork();
if ($pid === 0) {
    $lock->lock();
    // 1 if the parent had unlocked before this lock() returned.
    exit($order->get() === 1 ? 0 : 3);
}
usleep(300000);
$order->set(1);
check($lock->unlock(), 'unlock');
pcntl_waitpid($pid, $status);
check(pcntl_wexitstatus($status) === 0, "the child's lock() returned only after the parent's unlock");

// trylock and lockwait see a lock held by another process.
$lock = new Lock(Lock::MUTEX);
check($lock->lock(), 'lock again');
check(in_child(fn () => $lock->trylock() ? 1 : 0) === 0, 'trylock in the child fails while the parent holds it');
$started = microtime(true);
check(in_child(fn () => $lock->lockwait(0.2) ? 1 : 0) === 0, 'lockwait(0.2) gives up');
check(microtime(true) - $started >= 0.19, 'lockwait waited its timeout');
check(in_child(fn () => $lock->unlock() ? 1 : 0) === 0, "a child cannot unlock the parent's mutex");
$lock->unlock();
check(in_child(fn () => $lock->trylock() ? 0 : 1) === 0, 'trylock succeeds once it is free');

// A process that exits holding a mutex lets it go; one killed holding it hands it on,
// with a warning.
$lock = new Lock(Lock::MUTEX);
in_child(fn () => $lock->lock() ? 0 : 1);
check(in_child(fn () => $lock->trylock() ? 0 : 1) === 0, 'a holder that exits lets the mutex go');
in_child(function () use ($lock) {
    $lock->lock();
    posix_kill(getmypid(), SIGKILL);
});
$warned = '';
set_error_handler(function (int $no, string $message) use (&$warned): bool {
    $warned = $message;

    return true;
});
check($lock->lock(), 'the lock of a dead holder is taken');
restore_error_handler();
check(str_contains($warned, 'died holding it'), "a warning says the holder died: '$warned'");
check($lock->unlock(), 'and let go');

// A rwlock: readers share it, a writer waits for them.
$rw = new Lock(Lock::RWLOCK);
check($rw->lock_read(), 'lock_read');
check(in_child(fn () => $rw->trylock_read() && $rw->unlock() ? 0 : 1) === 0, 'another reader shares it');
check(in_child(fn () => $rw->trylock() ? 1 : 0) === 0, 'a writer does not get it');
$warned = '';
set_error_handler(function (int $no, string $message) use (&$warned): bool {
    $warned = $message;

    return true;
});
check($rw->lockwait(0.01) === false && str_contains($warned, 'cannot wait'), 'lockwait on a rwlock warns, as Swoole refuses it');
restore_error_handler();
check($rw->unlock(), 'unlock the read side');

// A file lock on the given file.
$file = sys_get_temp_dir() . '/laravels-lock-' . getmypid();
$fl = new Lock(Lock::FILELOCK, $file);
check($fl->lock(), 'file lock');
check(in_child(fn () => $fl->trylock() ? 1 : 0) === 0, 'a child does not get the file lock the parent holds');
check($fl->unlock(), 'file unlock');
@unlink($file);

try {
    new Lock(42);
    check(false, 'a bad type throws');
} catch (\LaravelS\Runtime\TableException $e) {
    check(str_contains($e->getMessage(), 'is not a lock type'), $e->getMessage());
}

echo "lock: ok\n";
