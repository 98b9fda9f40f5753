<?php

namespace LaravelS\Bridge;

use LaravelS\Transport\Transport;
use Symfony\Component\HttpFoundation\BinaryFileResponse;
use Symfony\Component\HttpFoundation\Response;
use Symfony\Component\HttpFoundation\StreamedResponse;

/**
 * Sends a Symfony response through the worker's transport: whole in one frame, or, for
 * streamed and file responses, chunk by chunk as the application produces them.
 */
final class ResponseEmitter
{
    public function __construct(private Transport $transport)
    {
    }

    /**
     * @param string   $output     what the request echoed; used as the body when the response
     *                             has none (LaravelS's rule: response content first, then echo output)
     * @param string[] $sapiLines  what header() and setcookie() set in the request (headers_list()),
     *                             merged in as php-fpm sends them (SapiHeaders)
     */
    public function emit(Response $response, string $output = '', array $sapiLines = []): void
    {
        $status = $response->getStatusCode();
        $headers = self::headers($response);
        if ($sapiLines !== []) {
            $headers = SapiHeaders::merge($sapiLines, $headers);
        }
        $reason = self::customReason($response);

        if ($response instanceof StreamedResponse || $response instanceof BinaryFileResponse) {
            $this->transport->startStream($status, $headers, $reason);
            if ($output !== '') {
                $this->transport->write($output);
            }
            $this->stream(static function () use ($response): void {
                $response->sendContent();
            });
            $this->transport->end();

            return;
        }

        $content = $response->getContent();
        if (($content === '' || $content === false) && $output !== '') {
            $content = $output;
        }
        $this->transport->respond($status, $headers, (string) $content, $reason);
    }

    /** Runs $producer with everything it outputs sent to the client as it is written. */
    public function stream(callable $producer): void
    {
        $transport = $this->transport;
        // Chunk size 1: the handler runs on every write, so each echo or flush reaches
        // the client at once, as under php-fpm with output buffering off.
        ob_start(static function (string $buffer) use ($transport): string {
            if ($buffer !== '') {
                $transport->write($buffer);
            }

            return '';
        }, 1);
        try {
            $producer();
        } finally {
            ob_end_flush();
        }
    }

    /** Response headers as name => list of values, cookies included as Set-Cookie. */
    public static function headers(Response $response): array
    {
        $headers = $response->headers->allPreserveCaseWithoutCookies();
        $cookies = $response->headers->getCookies();
        if ($cookies !== []) {
            $headers['Set-Cookie'] = array_map('strval', $cookies);
        }

        return $headers;
    }

    /** The reason phrase when the application set a non-standard one, else null. */
    private static function customReason(Response $response): ?string
    {
        // Symfony keeps the phrase in a protected property and offers no getter.
        $text = (fn () => $this->statusText)->call($response);
        $standard = Response::$statusTexts[$response->getStatusCode()] ?? null;

        return $text !== $standard && $text !== '' ? $text : null;
    }
}
