<?php

namespace LaravelS\Tests\Compat;

use LaravelS\Compat\AliasLoader;
use LaravelS\Compat\AliasMap;
use LaravelS\Tests\Support\Php;
use PHPUnit\Framework\TestCase;

final class AliasesTest extends TestCase
{
    public function testEveryNameWhoseClassExistsResolvesToIt(): void
    {
        foreach (AliasMap::LARAVELS + AliasMap::SWOOLE as $name => $target) {
            if (self::writtenAlready($target)) {
                $this->assertTrue(class_exists($target) || interface_exists($target), "$target is missing");
            }
            if (class_exists($target) || interface_exists($target)) {
                $this->assertTrue(class_exists($name) || interface_exists($name), "$name should resolve");
                $this->assertSame($target, (new \ReflectionClass($name))->getName());
            } else {
                $this->assertFalse(class_exists($name) || interface_exists($name), "$name has no class yet");
            }
        }
    }

    /** The targets this part of the package provides (the rest come with the runtime). */
    private static function writtenAlready(string $target): bool
    {
        return str_starts_with($target, 'LaravelS\\Contracts\\')
            || str_starts_with($target, 'LaravelS\\Cleaners\\')
            || in_array($target, [\LaravelS\ServiceProvider::class, \LaravelS\Server\HttpServer::class], true);
    }

    public function testTheNamesLaravelSUsersTypeAreOurClasses(): void
    {
        $this->assertInstanceOf(
            \LaravelS\ServiceProvider::class,
            new \Hhxsv5\LaravelS\Illuminate\LaravelSServiceProvider(new \Illuminate\Container\Container())
        );
        $this->assertTrue(is_a(\Hhxsv5\LaravelS\Illuminate\Cleaners\SessionCleaner::class, \LaravelS\Contracts\Cleaner::class, true));
        $this->assertSame(
            \LaravelS\Contracts\Events\WorkerStart::class,
            (new \ReflectionClass('Hhxsv5\LaravelS\Swoole\Events\WorkerStartInterface'))->getName()
        );
        $this->assertInstanceOf(\Swoole\Http\Server::class, new \LaravelS\Server\HttpServer());
    }

    public function testOurServerIsASwooleServerBeforeAnythingMentionsTheName(): void
    {
        // instanceof never autoloads: a fresh process, where nothing has asked for the name.
        $run = Php::run(['-r', 'require $argv[1]; var_export(new LaravelS\\Server\\HttpServer() instanceof Swoole\\Http\\Server);',
            dirname(__DIR__) . '/package-autoload.php']);

        $this->assertSame('true', $run['out'], $run['err']);
    }

    public function testNamesAreCaseInsensitiveAsInPhp(): void
    {
        $this->assertTrue(class_exists('hhxsv5\laravels\illuminate\cleaners\AUTHCLEANER'));
    }

    public function testANameWhoseClassIsNotWrittenYetStaysUnknown(): void
    {
        $loader = new AliasLoader(['Legacy\Missing' => 'LaravelS\DoesNotExist']);

        $loader->load('Legacy\Missing');

        $this->assertFalse(class_exists('Legacy\Missing', false));
    }

    public function testSwooleNamesAreLeftToExtSwooleWhenItIsLoaded(): void
    {
        $withSwoole = AliasMap::forProcess(true);
        $withoutSwoole = AliasMap::forProcess(false);

        $this->assertArrayNotHasKey('Swoole\Http\Server', $withSwoole);
        $this->assertArrayHasKey('Hhxsv5\LaravelS\Illuminate\LaravelSServiceProvider', $withSwoole);
        $this->assertSame(\LaravelS\Server\HttpServer::class, $withoutSwoole['Swoole\Http\Server']);
    }

    public function testSwooleConstantsHaveSwoolesValues(): void
    {
        // Swoole's swSocketType: TCP 1, UDP 2, TCP6 3, UDP6 4, UNIX_STREAM 5, UNIX_DGRAM 6.
        $this->assertSame(
            [1, 3, 2, 4, 6, 5, 6, 5, 512, 2, 1],
            [SWOOLE_SOCK_TCP, SWOOLE_SOCK_TCP6, SWOOLE_SOCK_UDP, SWOOLE_SOCK_UDP6, SWOOLE_SOCK_UNIX_DGRAM,
                SWOOLE_SOCK_UNIX_STREAM, SWOOLE_UNIX_DGRAM, SWOOLE_UNIX_STREAM, SWOOLE_SSL, SWOOLE_PROCESS, SWOOLE_BASE]
        );
        $this->assertSame(
            [1, 2, 8, 9, 10],
            [SWOOLE_WEBSOCKET_OPCODE_TEXT, SWOOLE_WEBSOCKET_OPCODE_BINARY, SWOOLE_WEBSOCKET_OPCODE_CLOSE,
                SWOOLE_WEBSOCKET_OPCODE_PING, SWOOLE_WEBSOCKET_OPCODE_PONG]
        );
        $this->assertFalse(defined('SWOOLE_VERSION'), 'libraries take SWOOLE_VERSION to mean ext-swoole is there');
    }
}
