<?php

namespace LaravelS\Bridge;

use Illuminate\Http\Request;
use Illuminate\Http\UploadedFile;

/**
 * Builds the Illuminate request from what the extension hands a worker: a CGI-style
 * server array and the raw body. Query strings and form bodies go through parse_str, so
 * `a[]=1&a[]=2` and friends decode exactly as under php-fpm. Given the worker's
 * PhpGlobals, it also sets `$_GET`, `$_POST`, ... from the same parse.
 */
final class RequestFactory
{
    /** Methods whose form-encoded body PHP (and Symfony) parse into request parameters. */
    private const FORM_METHODS = ['POST' => true, 'PUT' => true, 'PATCH' => true, 'DELETE' => true];

    /**
     * @param array|null $form a multipart body as the extension parsed it:
     *                         ['fields' => [[name, value]...], 'files' => [[field, name, type, tmp, size, error]...]]
     */
    public static function make(array $server, string $body, ?array $form = null, ?PhpGlobals $globals = null): Request
    {
        $post = $files = [];
        if ($form !== null) {
            $post = self::fields($form['fields']);
            $files = self::files($form['files']);
        }
        $query = [];
        if (($server['QUERY_STRING'] ?? '') !== '') {
            parse_str($server['QUERY_STRING'], $query);
        }
        $cookies = isset($server['HTTP_COOKIE']) ? self::cookies($server['HTTP_COOKIE']) : [];
        if (
            $post === [] && $body !== '' && isset(self::FORM_METHODS[$server['REQUEST_METHOD']])
            && stripos($server['CONTENT_TYPE'] ?? '', 'application/x-www-form-urlencoded') === 0
        ) {
            parse_str($body, $post);
        }
        $globals?->enter($server, $query, $post, $cookies, $form['files'] ?? []);

        $request = new Request($query, $post, [], $cookies, $files, $server, $body);
        // What Request::createFromBase() does for JSON bodies.
        if ($body !== '' && $request->isJson()) {
            $request->request = $request->json();
        }

        return $request;
    }

    /** Form fields decoded as PHP decodes them into $_POST, brackets and all. */
    public static function fields(array $pairs): array
    {
        $query = [];
        foreach ($pairs as [$name, $value]) {
            $query[] = urlencode($name) . '=' . urlencode($value);
        }
        $post = [];
        parse_str(implode('&', $query), $post);

        return $post;
    }

    /**
     * Uploaded files shaped as Laravel's `$request->file()` returns them: a field named
     * `photos[]` gives a list, `doc[a]` a keyed array. Each file is an UploadedFile in
     * test mode: PHP's is_uploaded_file() knows only a POST's files (registered for the
     * request's PHP globals, see PhpGlobals::uploads()), and Laravel takes files from a
     * PUT or PATCH as well.
     * A failed one (an empty file input: UPLOAD_ERR_NO_FILE) is described as $_FILES
     * describes it, which Symfony turns into what php-fpm gives: no file at all.
     */
    public static function files(array $rows): array
    {
        $names = [];
        $objects = [];
        foreach ($rows as $i => [$field, $name, $type, $path, $size, $error]) {
            // Let parse_str place each file where PHP would, with its index as the value.
            $names[] = urlencode($field) . '=' . $i;
            $objects[$i] = $error === 0
                ? new UploadedFile($path, $name, $type === '' ? null : $type, UPLOAD_ERR_OK, true)
                : ['name' => $name, 'type' => $type, 'tmp_name' => $path, 'error' => $error, 'size' => $size];
        }
        $tree = [];
        parse_str(implode('&', $names), $tree);
        array_walk_recursive($tree, function (&$leaf) use ($objects): void {
            $leaf = $objects[(int) $leaf];
        });

        return $tree;
    }

    /**
     * Parses a Cookie header the way PHP fills $_COOKIE: pairs split on ';', names trimmed,
     * values URL-decoded, and the first occurrence of a name wins.
     */
    public static function cookies(string $header): array
    {
        $cookies = [];
        foreach (explode(';', $header) as $pair) {
            $eq = strpos($pair, '=');
            if ($eq === false) {
                continue;
            }
            $name = trim(substr($pair, 0, $eq));
            if ($name === '' || array_key_exists($name, $cookies)) {
                continue;
            }
            $cookies[$name] = urldecode(trim(substr($pair, $eq + 1)));
        }

        return $cookies;
    }
}
