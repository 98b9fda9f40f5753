<?php

namespace LaravelS\Console;

use LaravelS\Components\Apollo\Client;
use LaravelS\Components\Apollo\Options;
use LaravelS\Components\Apollo\Process;

/** The start command's Apollo step (`--enable-apollo`, the seed's Apollo section, step 1). */
final class ApolloPull
{
    public function __construct(private Output $out)
    {
    }

    /**
     * `--enable-apollo`: pulls the app's configuration from Apollo into its .env file before
     * the app is booted, and exports the options for the `apollo` process; false (with the
     * reason printed) when the options are wrong or Apollo cannot be reached.
     */
    public function run(array $given, string $basePath): bool
    {
        try {
            $options = Options::fromCommandLine($given);
        } catch (\InvalidArgumentException $e) {
            $this->out->error($e->getMessage());

            return false;
        }
        if ($options === null) {
            if ($given !== []) {
                $this->out->warning('the --apollo-* options are ignored without --enable-apollo');
            }

            return true;
        }
        $file = Process::envFile($basePath);
        try {
            $changed = (new Client($options))->pullAllAndSave($file);
        } catch (\RuntimeException $e) {
            $this->out->error('cannot start: ' . $e->getMessage());

            return false;
        }
        $this->out->info(sprintf(
            'Apollo: namespace(s) %s of %s pulled from %s into %s%s',
            implode(', ', $options->namespaces),
            $options->appId,
            $options->server,
            $file,
            $changed ? '' : ' (unchanged)'
        ));
        $options->export();

        return true;
    }
}
