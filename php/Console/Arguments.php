<?php

namespace LaravelS\Console;

/** The parsed command line of bin/laravels. */
final class Arguments
{
    public string $command = '';
    public bool $daemonize = false;
    public bool $ignore = false;
    /** `status --json`: print the master's JSON instead of a table. */
    public bool $json = false;
    public ?string $env = null;
    public ?string $xVersion = null;
    /**
     * The Apollo options as given (`--enable-apollo`, `--apollo-*`; names without the
     * dashes, `apollo-namespaces` a list): LaravelS\Components\Apollo\Options reads them.
     *
     * @var array<string, string|bool|list<string>>
     */
    public array $apollo = [];
    /** Set when the command line cannot be understood. */
    public ?string $error = null;

    public static function parse(array $argv): self
    {
        $args = new self();
        for ($i = 0; $i < count($argv); $i++) {
            $arg = $argv[$i];
            // Options that take a value accept "--env=x", "--env x", "-e=x", "-e x" and "-ex".
            if (preg_match('/^(?:--(env|x-version)|-(e|x))(?:=(.*)|(.+))?$/', $arg, $m)) {
                $name = ($m[1] ?? '') !== '' ? $m[1] : ($m[2] === 'e' ? 'env' : 'x-version');
                $value = $m[3] ?? null;
                if ($value === null || $value === '') {
                    $value = ($m[4] ?? '') !== '' ? $m[4] : ($argv[++$i] ?? null);
                }
                if ($value === null || $value === '') {
                    $args->error = "option --$name needs a value";

                    return $args;
                }
                if ($name === 'env') {
                    $args->env = $value;
                } else {
                    $args->xVersion = $value;
                }
            } elseif (preg_match('/^--(enable-apollo|apollo-backup-old-env)$/', $arg, $m)) {
                $args->apollo[$m[1]] = true;
            } elseif (preg_match('/^--(apollo-(?:server|app-id|namespaces|cluster|client-ip|pull-timeout))(?:=(.*))?$/', $arg, $m)) {
                $value = $m[2] ?? ($argv[++$i] ?? null);
                if ($value === null || $value === '') {
                    $args->error = "option --{$m[1]} needs a value";

                    return $args;
                }
                if ($m[1] === 'apollo-namespaces') {
                    $args->apollo[$m[1]][] = $value;
                } else {
                    $args->apollo[$m[1]] = $value;
                }
            } elseif ($arg === '-d' || $arg === '--daemonize') {
                $args->daemonize = true;
            } elseif ($arg === '-i' || $arg === '--ignore') {
                $args->ignore = true;
            } elseif ($arg === '--json') {
                $args->json = true;
            } elseif ($arg === '-h' || $arg === '--help') {
                $args->command = 'help';
            } elseif ($arg !== '' && $arg[0] === '-') {
                $args->error = "unknown option '$arg'";

                return $args;
            } elseif ($args->command === '') {
                $args->command = $arg;
            } else {
                $args->error = "unexpected argument '$arg'";

                return $args;
            }
        }

        return $args;
    }
}
