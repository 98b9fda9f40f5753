<?php

namespace LaravelS\Bridge;

/**
 * The headers a request set with PHP's own functions (`header()`, `setcookie()`), as
 * `headers_list()` lists them, merged into the response the way php-fpm sends them.
 *
 * Under php-fpm, Symfony's Response::sendHeaders() calls header() itself after the
 * application ran: with `$replace` false for every header but Content-Type, then each
 * cookie as another Set-Cookie, then the status line. So a header set earlier stays and
 * the response's same-named values are added after it; the response's Content-Type
 * replaces an earlier one; and the response's status wins over `http_response_code()`.
 */
final class SapiHeaders
{
    /**
     * `headers_list()` lines as name => values, in order; names compare case-insensitively
     * and keep their first spelling.
     *
     * @param string[] $lines
     * @return array<string, string[]>
     */
    public static function parse(array $lines): array
    {
        $headers = [];
        $names = [];
        foreach ($lines as $line) {
            $colon = strpos($line, ':');
            if ($colon === false) {
                continue;
            }
            $name = rtrim(substr($line, 0, $colon));
            $lower = strtolower($name);
            $name = $names[$lower] ??= $name;
            $headers[$name][] = ltrim(substr($line, $colon + 1));
        }

        return $headers;
    }

    /**
     * The response's headers after the request's own, as php-fpm would send them.
     *
     * @param string[]                      $lines    headers_list() at the end of the request
     * @param array<string, string[]>       $response the response's headers (ResponseEmitter::headers())
     * @return array<string, string[]>
     */
    public static function merge(array $lines, array $response): array
    {
        $headers = self::parse($lines);
        if ($headers === []) {
            return $response;
        }
        $names = [];
        foreach ($headers as $name => $_) {
            $names[strtolower($name)] = $name;
        }
        foreach ($response as $name => $values) {
            $lower = strtolower((string) $name);
            $values = (array) $values;
            if (!isset($names[$lower])) {
                $headers[$name] = $values;
            } elseif ($lower === 'content-type') {
                $headers[$names[$lower]] = $values;
            } else {
                array_push($headers[$names[$lower]], ...$values);
            }
        }

        return $headers;
    }

    /**
     * The headers as PHP sends them when no response object does (the script ended in
     * the request): the request's own, with PHP's default Content-Type when none is set.
     *
     * @param string[] $lines headers_list() at the end of the request
     * @return array<string, string[]>
     */
    public static function alone(array $lines): array
    {
        $headers = self::parse($lines);
        foreach ($headers as $name => $_) {
            if (strcasecmp($name, 'Content-Type') === 0) {
                return $headers;
            }
        }
        $headers['Content-Type'] = ['text/html; charset=UTF-8'];

        return $headers;
    }
}
