<?php

namespace LaravelS\Bridge;

/**
 * PHP's own request globals, as php-fpm fills them, for code that reads them instead of
 * the Illuminate request: `$_GET`, `$_POST`, `$_COOKIE`, `$_FILES`, `$_SERVER` and
 * `$_REQUEST` hold one request's values from enter() to leave(), and the worker's
 * boot-time values outside a request.
 *
 * - `$_SERVER` is the CGI array the master sends over the worker's boot-time one, which
 *   keeps the environment the app reads (the .env values Dotenv put there, env(),
 *   APP_RUNNING_IN_CONSOLE); the command line's entries (argv, argc, the script path) are
 *   replaced by the front controller's, as nginx and php-fpm present `public/index.php`.
 * - `$_POST` and `$_FILES` are filled for POST only, as PHP does (a PUT form body is in
 *   the Illuminate request, not in `$_POST`). The files of `$_FILES` are the request's
 *   uploads (uploads()): the worker has the extension register them with PHP, so
 *   is_uploaded_file() and move_uploaded_file() take them as under php-fpm.
 * - `$_REQUEST` follows php.ini-production's request_order "GP": GET, then POST over it.
 */
final class PhpGlobals
{
    /** Attributes of a `$_FILES` entry in PHP's order (PHP 8.1+), with the row index of each. */
    private const FILE_ATTRIBUTES = ['name' => 1, 'full_path' => 1, 'type' => 2, 'tmp_name' => 3, 'error' => 5, 'size' => 4];

    /** @var array the globals as the worker booted: [$_GET, $_POST, $_COOKIE, $_FILES, $_SERVER, $_REQUEST] */
    private $boot;
    /** @var array what every request's $_SERVER starts from */
    private $base;
    /** @var string[] the paths of the request's uploaded files, as $_FILES lists them */
    private $uploads = [];

    /** Takes the current globals as the boot-time ones; call it once the app is booted. */
    public function __construct(string $basePath)
    {
        $this->boot = [$_GET, $_POST, $_COOKIE, $_FILES, $_SERVER, $_REQUEST];
        $base = [];
        foreach ($_SERVER as $key => $value) {
            // A header is the request's: an HTTP_* variable of the environment is not one.
            if (!is_string($key) || strncmp($key, 'HTTP_', 5) !== 0) {
                $base[$key] = $value;
            }
        }
        unset($base['argv'], $base['argc'], $base['PATH_TRANSLATED']);
        $public = rtrim($basePath, '/') . '/public';
        $this->base = [
            'DOCUMENT_ROOT' => $public,
            'SCRIPT_FILENAME' => $public . '/index.php',
            'SCRIPT_NAME' => '/index.php',
            'PHP_SELF' => '/index.php',
        ] + $base;
    }

    /**
     * Sets the globals of a request.
     *
     * @param array $server  the CGI array of the request
     * @param array $query   the parsed query string
     * @param array $post    the parsed form body (empty for other bodies)
     * @param array $cookies the parsed Cookie header
     * @param array $files   the uploaded files' rows as the extension gives them (see RequestFactory)
     */
    public function enter(array $server, array $query, array $post, array $cookies, array $files): void
    {
        $_SERVER = $server + $this->base;
        $_GET = $query;
        $_COOKIE = $cookies;
        $this->uploads = [];
        if (($server['REQUEST_METHOD'] ?? '') === 'POST') {
            $_POST = $post;
            $_FILES = $files === [] ? [] : self::files($files);
            foreach ($files as $row) {
                if ($row[5] === UPLOAD_ERR_OK) {
                    $this->uploads[] = $row[3];
                }
            }
        } else {
            $_POST = $_FILES = [];
        }
        $_REQUEST = $_POST === [] ? $_GET : array_replace_recursive($_GET, $_POST);
    }

    /**
     * The tmp_name of each file in `$_FILES` that arrived (error UPLOAD_ERR_OK): the files
     * PHP's upload functions accept in this request, as php-fpm registers them (POST only).
     *
     * @return string[]
     */
    public function uploads(): array
    {
        return $this->uploads;
    }

    /** Puts the boot-time globals back. */
    public function leave(): void
    {
        [$_GET, $_POST, $_COOKIE, $_FILES, $_SERVER, $_REQUEST] = $this->boot;
        $this->uploads = [];
    }

    /**
     * `$_FILES` in PHP's shape: each field has name, full_path, type, tmp_name, error and
     * size; a field named `docs[]` or `doc[a]` has each attribute as a list or keyed array
     * (`$_FILES['docs']['name'][0]`), as PHP builds it.
     *
     * @param array $rows [[field, name, type, tmp_name, size, error]...]
     */
    public static function files(array $rows): array
    {
        $files = [];
        foreach (self::FILE_ATTRIBUTES as $attribute => $column) {
            // parse_str places each value where PHP would, given `field[attr][rest]`.
            $pairs = [];
            foreach ($rows as $i => $row) {
                $field = (string) $row[0];
                $open = strpos($field, '[');
                $key = $open === false || $open === 0
                    ? $field . '[' . $attribute . ']'
                    : substr($field, 0, $open) . '[' . $attribute . ']' . substr($field, $open);
                $pairs[] = urlencode($key) . '=' . $i;
            }
            $tree = [];
            parse_str(implode('&', $pairs), $tree);
            array_walk_recursive($tree, static function (&$leaf) use ($rows, $column): void {
                $leaf = $rows[(int) $leaf][$column];
            });
            $files = array_replace_recursive($files, $tree);
        }

        return $files;
    }
}
