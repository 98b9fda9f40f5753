<?php

namespace LaravelS\Bridge;

use LaravelS\Transport\Transport;
use Symfony\Component\HttpFoundation\BinaryFileResponse;
use Symfony\Component\HttpFoundation\Response;
use Symfony\Component\HttpFoundation\ResponseHeaderBag;
use Symfony\Component\HttpFoundation\StreamedResponse;

/**
 * Sends a Symfony response through the worker's transport: whole in one frame, or, for
 * streamed and file responses, chunk by chunk as the application produces them.
 */
final class ResponseEmitter
{
    /** @var \Closure|null reads a ResponseHeaderBag's headers and cookies (headerReader()) */
    private static $readHeaders;
    /** @var \Closure|null reads a response's status text */
    private static $readStatusText;

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
        $bag = $response->headers;
        if ($bag::class === ResponseHeaderBag::class) {
            return (self::$readHeaders ??= self::headerReader())($bag);
        }
        $headers = $bag->allPreserveCaseWithoutCookies();
        $cookies = $bag->getCookies();
        if ($cookies !== []) {
            $headers['Set-Cookie'] = array_map('strval', $cookies);
        }

        return $headers;
    }

    /**
     * What allPreserveCaseWithoutCookies() and getCookies() give together, read from
     * Symfony's own bag in one call: those methods stringify every cookie twice (all()
     * adds them as Set-Cookie, then drops them again) and go through four more calls.
     * Only for the bag's own class, whose methods are known not to be overridden.
     */
    private static function headerReader(): \Closure
    {
        return \Closure::bind(static function (ResponseHeaderBag $bag): array {
            $headers = [];
            foreach ($bag->headers as $name => $values) {
                $headers[$bag->headerNames[$name] ?? $name] = $values;
            }
            if (isset($bag->headerNames['set-cookie'])) {
                unset($headers[$bag->headerNames['set-cookie']]);
            }
            $set = [];
            foreach ($bag->cookies as $path) {
                foreach ($path as $cookies) {
                    foreach ($cookies as $cookie) {
                        $set[] = (string) $cookie;
                    }
                }
            }
            if ($set !== []) {
                $headers['Set-Cookie'] = $set;
            }

            return $headers;
        }, null, ResponseHeaderBag::class);
    }

    /** The reason phrase when the application set a non-standard one, else null. */
    private static function customReason(Response $response): ?string
    {
        // Symfony keeps the phrase in a protected property and offers no getter.
        $text = (self::$readStatusText ??= \Closure::bind(static fn (Response $r): string => $r->statusText, null, Response::class))($response);
        $standard = Response::$statusTexts[$response->getStatusCode()] ?? null;

        return $text !== $standard && $text !== '' ? $text : null;
    }
}
