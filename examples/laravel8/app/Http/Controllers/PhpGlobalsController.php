<?php

namespace App\Http\Controllers;

use Illuminate\Http\JsonResponse;
use Symfony\Component\HttpFoundation\StreamedResponse;

/**
 * Code written for php-fpm rather than for Laravel: it reads PHP's request globals and
 * php://input, and answers with header(), setcookie() and http_response_code()
 * (tests/e2e/test_php_globals.py). Under laravels-rs it runs unchanged.
 */
class PhpGlobalsController extends Controller
{
    public function globals(): JsonResponse
    {
        $files = $_FILES;
        // The spooled file's path is random: its content's md5 stands for it.
        $md5 = function ($path) use (&$md5) {
            return is_array($path) ? array_map($md5, $path) : ($path === '' ? '' : md5_file($path));
        };
        foreach ($files as $field => $file) {
            $files[$field]['tmp_name'] = $md5($file['tmp_name']);
        }

        return new JsonResponse([
            'get' => $_GET,
            'post' => $_POST,
            'cookie' => $_COOKIE,
            'files' => $files,
            'request' => $_REQUEST,
            'method' => $_SERVER['REQUEST_METHOD'] ?? null,
            'remote_addr' => $_SERVER['REMOTE_ADDR'] ?? null,
            'probe_header' => $_SERVER['HTTP_X_PROBE'] ?? null,
            'script_name' => $_SERVER['SCRIPT_NAME'] ?? null,
            'argv' => isset($_SERVER['argv']),
            'input' => file_get_contents('php://input'),
            'headers_list' => headers_list(),
            'headers_sent' => headers_sent(),
            'pid' => getmypid(),
        ]);
    }

    /**
     * The classic upload handler: is_uploaded_file() on $_FILES['f']['tmp_name'], then
     * move_uploaded_file() to storage/app/ (unless ?move=0). The field `earlier` names a
     * path to ask both functions about (a tmp_name of an earlier request).
     */
    public function upload(): JsonResponse
    {
        $tmp = $_FILES['f']['tmp_name'] ?? '';
        $uploaded = $tmp !== '' && is_uploaded_file($tmp);
        $target = null;
        if ($uploaded && ($_GET['move'] ?? '1') !== '0') {
            $target = storage_path('app/upload-' . getmypid() . '-' . basename($tmp));
            $target = move_uploaded_file($tmp, $target) ? $target : false;
        }
        $earlier = $_POST['earlier'] ?? null;

        return new JsonResponse([
            'tmp_name' => $tmp,
            'is_uploaded_file' => $uploaded,
            'moved_to' => $target,
            'tmp_left' => $tmp !== '' && file_exists($tmp),
            'moved_again' => $target ? move_uploaded_file($tmp, $target . '.again') : null,
            'earlier_is_uploaded_file' => $earlier === null ? null : is_uploaded_file($earlier),
            'earlier_moved' => $earlier === null ? null : move_uploaded_file($earlier, storage_path('app/earlier-' . getmypid())),
            'not_uploaded' => is_uploaded_file(__FILE__),
        ]);
    }

    /** Headers set the legacy way, then a framework response with its own. */
    public function headers(): JsonResponse
    {
        header('X-Legacy: one');
        header('X-Both: legacy');
        header('X-Removed: soon');
        header_remove('X-Removed');
        header('Content-Type: text/plain');
        setcookie('legacy', 'cookie value', ['path' => '/', 'httponly' => true]);
        http_response_code(202);

        return new JsonResponse([
            'headers_list' => headers_list(),
            'code' => http_response_code(),
            'headers_sent' => headers_sent(),
        ], 200, ['X-Both' => 'framework']);
    }

    /** A page that echoes instead of returning a response. */
    public function legacy()
    {
        header('X-Legacy: page');
        echo 'legacy page';
    }

    /** The classic redirect of code written for php-fpm. */
    public function exit()
    {
        header('Location: /api/php/globals?from=exit');
        exit;
    }

    public function stream(): StreamedResponse
    {
        header('X-Legacy: streamed');

        return new StreamedResponse(function () {
            echo 'streamed body';
        }, 200, ['Content-Type' => 'text/plain']);
    }
}
