<?php

namespace LaravelS\Components\Apollo;

/**
 * A client of Apollo's HTTP API (Hhxsv5\LaravelS\Components\Apollo\Client): pulls the
 * configurations of the app's namespaces (`GET /configs/{appId}/{cluster}/{namespace}`),
 * writes them as the app's .env file, and watches for releases by long polling
 * (`GET /notifications/v2`, which Apollo holds up to 60 s and answers 304 when nothing
 * changed).
 */
class Client
{
    /** How long a long poll may take: Apollo holds it up to 60 s. */
    private const WATCH_TIMEOUT = 70;

    /** @var array<string, int> the notification id of each namespace, from the last poll */
    private array $notificationIds = [];

    private bool $watching = false;

    public function __construct(public readonly Options $options)
    {
    }

    /**
     * Every namespace's configuration: namespace => key => value.
     *
     * @return array<string, array<string, string>>
     * @throws \RuntimeException naming the server, the namespace and the option to check
     */
    public function pullAll(): array
    {
        $all = [];
        foreach ($this->options->namespaces as $namespace) {
            $url = sprintf(
                '%s/configs/%s/%s/%s?%s',
                $this->options->server,
                rawurlencode($this->options->appId),
                rawurlencode($this->options->cluster),
                rawurlencode($namespace),
                http_build_query(['ip' => $this->options->clientIp])
            );
            [$status, $body] = $this->get($url, $this->options->pullTimeout);
            $json = $status === 200 ? json_decode($body, true) : null;
            if (!is_array($json) || !is_array($json['configurations'] ?? null)) {
                throw new \RuntimeException(sprintf(
                    "Apollo at %s (--apollo-server) has no configuration for app '%s' (--apollo-app-id), cluster '%s', namespace '%s': %s",
                    $this->options->server,
                    $this->options->appId,
                    $this->options->cluster,
                    $namespace,
                    $status === 0 ? $body : "HTTP $status"
                ));
            }
            $all[$namespace] = array_map('strval', $json['configurations']);
        }

        return $all;
    }

    /**
     * The .env text of $all: a comment per namespace, then its keys in order.
     *
     * @param array<string, array<string, string>> $all
     */
    public static function render(array $all): string
    {
        $lines = [];
        foreach ($all as $namespace => $configurations) {
            $lines[] = "# Namespace: $namespace";
            ksort($configurations);
            foreach ($configurations as $key => $value) {
                $lines[] = $key . '=' . self::quote($value);
            }
        }

        return implode("\n", $lines) . "\n";
    }

    /**
     * Pulls every namespace and writes them to $file (the old file kept as
     * $file.YmdHis with --apollo-backup-old-env); whether the file changed.
     */
    public function pullAllAndSave(string $file): bool
    {
        $text = self::render($this->pullAll());
        if (is_file($file) && file_get_contents($file) === $text) {
            return false;
        }
        if ($this->options->backupOldEnv && is_file($file)) {
            copy($file, $file . '.' . date('YmdHis'));
        }
        // Written beside, then renamed: a reader never sees half a file.
        $tmp = $file . '.apollo-' . getmypid();
        if (file_put_contents($tmp, $text) !== strlen($text) || !rename($tmp, $file)) {
            @unlink($tmp);
            throw new \RuntimeException("cannot write $file");
        }

        return true;
    }

    /**
     * Long-polls for releases until stopWatching(); $onRelease(list of changed namespaces)
     * runs for each release after the first answer (which only tells the current ids).
     * A failed poll is logged by $onError and tried again after a pause.
     */
    public function watch(callable $onRelease, ?callable $onError = null): void
    {
        $this->watching = true;
        $pause = 1;
        while ($this->watching) {
            $known = [];
            foreach ($this->options->namespaces as $namespace) {
                $known[] = ['namespaceName' => $namespace, 'notificationId' => $this->notificationIds[$namespace] ?? -1];
            }
            $url = sprintf('%s/notifications/v2?%s', $this->options->server, http_build_query([
                'appId' => $this->options->appId,
                'cluster' => $this->options->cluster,
                'notifications' => json_encode($known),
            ]));
            [$status, $body] = $this->get($url, self::WATCH_TIMEOUT);
            if ($status === 304) {
                $pause = 1;
                continue;
            }
            $notifications = $status === 200 ? json_decode($body, true) : null;
            if (!is_array($notifications)) {
                if ($onError !== null) {
                    $why = $status === 0 ? $body : "HTTP $status";
                    $onError(sprintf('Apollo at %s: notifications: %s; trying again in %ds', $this->options->server, $why, $pause));
                }
                sleep($pause);
                $pause = min($pause * 2, 30);
                continue;
            }
            $pause = 1;
            $first = $this->notificationIds === [];
            $changed = [];
            foreach ($notifications as $notification) {
                $namespace = (string) ($notification['namespaceName'] ?? '');
                $id = (int) ($notification['notificationId'] ?? -1);
                if (($this->notificationIds[$namespace] ?? -1) !== $id) {
                    $changed[] = $namespace;
                }
                $this->notificationIds[$namespace] = $id;
            }
            if (!$first && $changed !== []) {
                $onRelease($changed);
            }
        }
    }

    public function stopWatching(): void
    {
        $this->watching = false;
    }

    /**
     * GET $url: [status, body], or [0, the transport error] when no answer came.
     *
     * @return array{0: int, 1: string}
     */
    protected function get(string $url, int $timeout): array
    {
        $context = stream_context_create(['http' => ['timeout' => $timeout, 'ignore_errors' => true, 'header' => "Accept: application/json\r\n"]]);
        $error = 'no answer';
        set_error_handler(static function (int $no, string $message) use (&$error): bool {
            $error = preg_replace('/^file_get_contents\([^)]*\): /', '', $message) ?? $message;

            return true;
        });
        try {
            $body = file_get_contents($url, false, $context);
            $headers = function_exists('http_get_last_response_headers') ? http_get_last_response_headers() : ($http_response_header ?? null);
        } finally {
            restore_error_handler();
        }
        if ($body === false || !is_array($headers) || !preg_match('#^HTTP/\S+ (\d{3})#', (string) ($headers[0] ?? ''), $m)) {
            return [0, $error];
        }

        return [(int) $m[1], $body];
    }

    /** A value as Dotenv reads it back unchanged: bare when plain, else quoted. */
    private static function quote(string $value): string
    {
        if (preg_match('/^[A-Za-z0-9_.:\/@,+\-]*$/', $value)) {
            return $value;
        }
        if (!str_contains($value, "'") && !preg_match('/[\r\n]/', $value)) {
            return "'$value'";
        }

        return '"' . strtr($value, ['\\' => '\\\\', '"' => '\\"', '$' => '\\$', "\n" => '\\n', "\r" => '\\r']) . '"';
    }
}
