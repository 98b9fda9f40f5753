<?php

namespace LaravelS\Tests\Bridge;

use LaravelS\Tests\Support\Php;
use PHPUnit\Framework\TestCase;

/** StaleScripts::drop() in a CLI process with opcache on, as a resident worker has it. */
final class StaleScriptsTest extends TestCase
{
    private const PACKAGE = __DIR__ . '/../../..';

    /**
     * Caches two files, changes one on disk (a later mtime, as a deploy gives it), and
     * includes it again before and after StaleScripts::drop().
     */
    private const SCRIPT = <<<'PHP'
<?php
[, $dir, $package] = $argv;
require $package . '/php/Bridge/StaleScripts.php';
file_put_contents("$dir/changed.php", '<?php return "old";');
file_put_contents("$dir/same.php", '<?php return "same";');
touch("$dir/changed.php", time() - 60);
touch("$dir/same.php", time() - 60);
$seen = [include "$dir/changed.php", include "$dir/same.php"];
file_put_contents("$dir/changed.php", '<?php return "new";');
touch("$dir/changed.php", time());
sleep(3); // past opcache.revalidate_freq (2 s): a request-based PHP would recheck now
$seen[] = include "$dir/changed.php";
LaravelS\Bridge\StaleScripts::drop();
$seen[] = include "$dir/changed.php";
$seen[] = opcache_is_script_cached("$dir/same.php") ? 'same cached' : 'same dropped';
echo json_encode($seen);
PHP;

    /** @var string */
    private $dir;

    protected function setUp(): void
    {
        $this->dir = sys_get_temp_dir() . '/laravels-opcache-' . bin2hex(random_bytes(4));
        mkdir($this->dir);
        file_put_contents($this->dir . '/script.php', self::SCRIPT);
    }

    protected function tearDown(): void
    {
        array_map('unlink', glob($this->dir . '/*'));
        rmdir($this->dir);
    }

    public function testAChangedFileIsCompiledAfreshAndAnUnchangedOneStaysCached(): void
    {
        $this->assertSame(
            ['old', 'same', 'old', 'new', 'same cached'],
            $this->runScript('1'),
            'without drop() the process keeps the old code; with it, only the changed file is recompiled'
        );
    }

    /**
     * validate_timestamps=0: nothing revalidates, so a reload must drop what changed; the
     * file written after the process (the server) started is dropped, the one older than
     * the start stays cached.
     */
    public function testWithTimestampValidationOffAFileChangedSinceTheStartIsCompiledAfresh(): void
    {
        $this->assertSame(
            ['old', 'same', 'old', 'new', 'same cached'],
            $this->runScript('0'),
            'opcache_reset() cannot empty the cache of a process forked inside one CLI request; drop() must force the changed file out'
        );
    }

    public function testWithoutOpcacheItDoesNothing(): void
    {
        $code = 'require $argv[1] . "/php/Bridge/StaleScripts.php"; LaravelS\Bridge\StaleScripts::drop(); echo "ok";';
        $run = Php::run(['-d', 'opcache.enable_cli=0', '-r', $code, self::PACKAGE]);

        $this->assertSame([0, 'ok', ''], [$run['code'], $run['out'], $run['err']]);
    }

    private function runScript(string $validateTimestamps): array
    {
        $run = Php::run(['-d', 'opcache.enable_cli=1', '-d', "opcache.validate_timestamps=$validateTimestamps", '-d', 'opcache.revalidate_freq=2',
            $this->dir . '/script.php', $this->dir, self::PACKAGE]);
        $this->assertSame(0, $run['code'], $run['err']);
        $this->assertSame('', $run['err']);

        return json_decode($run['out'], true);
    }
}
