<?php

namespace LaravelS\Tests\Components;

use Dotenv\Dotenv;
use LaravelS\Components\Apollo\Client;
use LaravelS\Components\Apollo\Options;
use PHPUnit\Framework\TestCase;

/** The Apollo options as the seed's table documents them, and the .env text Dotenv reads back. */
final class ApolloTest extends TestCase
{
    protected function tearDown(): void
    {
        $names = ['ENABLE_APOLLO', 'APOLLO_SERVER', 'APOLLO_APP_ID', 'APOLLO_CLUSTER', 'APOLLO_NAMESPACES', 'APOLLO_CLIENT_IP', 'APOLLO_PULL_TIMEOUT'];
        foreach ([...$names, 'APOLLO_BACKUP_OLD_ENV'] as $name) {
            putenv($name);
            unset($_ENV[$name], $_SERVER[$name]);
        }
    }

    public function testWithoutEnableApolloThereIsNoClient(): void
    {
        self::assertNull(Options::fromCommandLine(['apollo-server' => 'http://127.0.0.1:8080']));
    }

    public function testTheDefaultsAreTheSeedsTable(): void
    {
        $options = Options::fromCommandLine(['enable-apollo' => true, 'apollo-server' => 'http://127.0.0.1:8080/', 'apollo-app-id' => 'LARAVEL-S-TEST']);
        self::assertNotNull($options);
        self::assertSame('http://127.0.0.1:8080', $options->server);
        self::assertSame(['application'], $options->namespaces);
        self::assertSame('default', $options->cluster);
        self::assertSame(5, $options->pullTimeout);
        self::assertFalse($options->backupOldEnv);
    }

    public function testRepeatedNamespacesAreAllKept(): void
    {
        $options = Options::fromCommandLine([
            'enable-apollo' => true, 'apollo-server' => 'http://a', 'apollo-app-id' => 'x',
            'apollo-namespaces' => ['application', 'env'], 'apollo-cluster' => 'gray', 'apollo-client-ip' => '10.2.1.83',
            'apollo-pull-timeout' => '9', 'apollo-backup-old-env' => true,
        ]);
        self::assertSame(['application', 'env'], $options->namespaces);
        self::assertSame(['gray', '10.2.1.83', 9, true], [$options->cluster, $options->clientIp, $options->pullTimeout, $options->backupOldEnv]);
    }

    /** @return array<string, array{0: array<string, mixed>, 1: string}> */
    public static function badOptions(): array
    {
        return [
            'no server' => [['apollo-app-id' => 'x'], '--apollo-server'],
            'no app id' => [['apollo-server' => 'http://a'], '--apollo-app-id'],
            'not a URL' => [['apollo-server' => '127.0.0.1:8080', 'apollo-app-id' => 'x'], 'not an http:// or https:// URL'],
            'bad timeout' => [['apollo-server' => 'http://a', 'apollo-app-id' => 'x', 'apollo-pull-timeout' => '0'], '--apollo-pull-timeout'],
        ];
    }

    /**
     * @dataProvider badOptions
     * @param array<string, mixed> $given
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('badOptions')]
    public function testABadOptionIsNamed(array $given, string $named): void
    {
        $this->expectException(\InvalidArgumentException::class);
        $this->expectExceptionMessage($named);
        Options::fromCommandLine(['enable-apollo' => true] + $given);
    }

    public function testTheOptionsTravelThroughTheEnvironment(): void
    {
        $options = new Options('http://a:1', 'app', ['application', 'env'], 'c', '10.0.0.1', 7, true);
        $options->export();
        self::assertEquals($options, Options::fromEnvironment());
        self::assertSame('1', getenv('ENABLE_APOLLO'));
    }

    public function testTheRenderedFileReadsBackUnchangedThroughDotenv(): void
    {
        $values = [
            'PLAIN' => 'abc-1.2:3/4@x,y+z',
            'EMPTY' => '',
            'SPACES' => 'hello from apollo',
            'HASH' => 'a #not a comment',
            'QUOTE' => "it's \"quoted\"",
            'DOLLAR' => 'cost $5 ${HOME}',
            'LINES' => "one\ntwo",
            'BACKSLASH' => 'C:\\path\\',
        ];
        $text = Client::render(['application' => $values, 'env' => ['X' => '1']]);
        self::assertStringStartsWith("# Namespace: application\n", $text);
        self::assertStringContainsString("# Namespace: env\nX=1\n", $text);
        $parsed = Dotenv::parse($text);
        ksort($values);
        self::assertSame($values + ['X' => '1'], $parsed);
    }
}
