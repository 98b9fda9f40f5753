<?php
// Feature script for LaravelS\Runtime\Sapi, run against the built .so:
//   php -d extension=target/release/liblaravels.so tests/ext/sapi.php
// Inside begin()/end() the CLI behaves as a web SAPI for one request (PHP's manual for
// header(), headers_list(), header_remove(), headers_sent(), http_response_code(),
// setcookie() and php://input); outside, as the CLI.
function check(bool $ok, string $what = 'check failed'): void
{
    if (!$ok) {
        fwrite(STDERR, "FAILED: $what\n");
        exit(1);
    }
}

use LaravelS\Runtime\Sapi;
use LaravelS\Runtime\WorkerException;

// The CLI as PHP ships it: header() keeps nothing; printing sends the "headers".
check(!Sapi::active(), 'no request active at start');
header('X-Before: 1');
check(headers_list() === [], 'CLI: header() outside a request keeps nothing');
echo "sapi:";
check(headers_sent() === true, 'CLI: headers count as sent once something was printed');

$body = fopen('php://memory', 'r+');
fwrite($body, '{"name":"alice"}');
Sapi::begin($body);
check(Sapi::active(), 'active after begin()');
check(headers_sent() === false, 'in a request, headers are not sent yet');
check(http_response_code() === false, 'no response code set yet');
header('X-One: a');
header('X-Multi: 1');
header('X-Multi: 2', false);
header('X-One: b');
setcookie('sid', 'abc', ['path' => '/', 'httponly' => true]);
check(headers_list() === ['X-Multi: 1', 'X-Multi: 2', 'X-One: b', 'Set-Cookie: sid=abc; path=/; HttpOnly'], 'header() replaces, adds with $replace=false, setcookie() adds: ' . json_encode(headers_list()));
header_remove('X-Multi');
check(headers_list() === ['X-One: b', 'Set-Cookie: sid=abc; path=/; HttpOnly'], 'header_remove(name): ' . json_encode(headers_list()));
http_response_code(201);
check(http_response_code() === 201, 'http_response_code(201) sets the code');
header('Location: /next');
check(http_response_code() === 201, 'Location after 201 keeps 201 (PHP only turns non-3xx/201 codes into 302)');
header('HTTP/1.1 404 Not Found');
check(http_response_code() === 404, 'a status line sets the code');
check(file_get_contents('php://input') === '{"name":"alice"}', 'php://input reads the request body');
check(file_get_contents('php://input') === '{"name":"alice"}', 'php://input can be read again');
check(stream_get_contents(fopen('php://input', 'r'), 5) === '{"nam', 'php://input as a stream');
ob_start();
echo 'buffered';
check(headers_sent() === false, 'output still in a buffer does not send the headers');
ob_end_clean();
echo '';
Sapi::end();
check(!Sapi::active() && headers_sent() === true, 'end(): the CLI state is back (something was printed before the request)');
check(headers_list() === [], 'end() dropped the request\'s headers');

// A second request sees nothing of the first.
$second = fopen('php://memory', 'r+');
Sapi::begin($second);
check(headers_list() === [] && http_response_code() === false, 'a new request starts with no headers and no code');
check(file_get_contents('php://input') === '', 'an empty body reads as empty');
header('Location: /elsewhere');
check(http_response_code() === 302, 'Location alone answers 302, as PHP does');
echo "x";
check(headers_sent() === true, 'output that reaches the SAPI sends the headers');
ob_start();
$warned = false;
set_error_handler(function (int $no, string $msg) use (&$warned) { $warned = str_contains($msg, 'headers already sent'); return true; });
header('X-Late: 1');
restore_error_handler();
ob_end_clean();
check($warned, 'header() after output warns "headers already sent", as under php-fpm');
Sapi::end();

// Uploaded files (PHP's manual for is_uploaded_file() and move_uploaded_file()): the
// paths begin() is given are uploads of the request, as a web SAPI's multipart parser
// registers them, until end().
$dir = sys_get_temp_dir() . '/laravels-sapi-' . getmypid();
@mkdir($dir);
$spooled = [];
foreach (['a', 'b', 'c'] as $name) {
    $spooled[$name] = "$dir/upload-$name";
    file_put_contents($spooled[$name], "bytes of $name\0\xff");
}
check(!is_uploaded_file($spooled['a']), 'CLI: no file is an upload');
$third = fopen('php://memory', 'r+');
Sapi::begin($third, [$spooled['a'], $spooled['b']]);
check(is_uploaded_file($spooled['a']) && is_uploaded_file($spooled['b']), 'a registered file is an uploaded file');
check(!is_uploaded_file($spooled['c']), 'a file begin() was not given is not an uploaded file');
check(!move_uploaded_file($spooled['c'], "$dir/moved-c") && is_file($spooled['c']) && !file_exists("$dir/moved-c"), 'move_uploaded_file() refuses a file that is not an upload and leaves it');
check(move_uploaded_file($spooled['a'], "$dir/moved-a"), 'move_uploaded_file() moves an upload');
check(file_get_contents("$dir/moved-a") === "bytes of a\0\xff" && !file_exists($spooled['a']), 'the upload is at its new place, with its bytes, and gone from the old');
check(!is_uploaded_file($spooled['a']), 'a moved upload is no longer an uploaded file (PHP deletes its entry)');
check(!move_uploaded_file($spooled['a'], "$dir/again-a"), 'a moved upload cannot be moved again');
Sapi::end();
check(!is_uploaded_file($spooled['b']), 'after end(), the request\'s files are not uploads any more');
check(!move_uploaded_file($spooled['b'], "$dir/moved-b") && !file_exists("$dir/moved-b"), 'after end(), move_uploaded_file() refuses them');
check(is_file($spooled['b']), 'end() does not delete the files (the master removes them)');

// Each request has its own uploads: a begin() without end() drops the previous ones.
Sapi::begin($third, [$spooled['b']]);
check(is_uploaded_file($spooled['b']), 'a second request registers its files');
Sapi::begin($third);
check(!is_uploaded_file($spooled['b']), 'a new begin() drops the uploads of a request that was not ended');
Sapi::end();
try {
    Sapi::begin($third, [$spooled['c'], 42]);
    check(false, 'an upload that is not a path is refused');
} catch (WorkerException $e) {
    check(str_contains($e->getMessage(), 'must be a file path'), $e->getMessage());
}
check(!Sapi::active() && !is_uploaded_file($spooled['c']), 'a refused begin() registers nothing');
array_map('unlink', glob("$dir/*"));
rmdir($dir);

try {
    Sapi::begin('not a stream');
    check(false, 'a string is not a stream');
} catch (WorkerException $e) {
    check(str_contains($e->getMessage(), 'expected a stream resource'), $e->getMessage());
}
check(!Sapi::active(), 'a refused begin() changes nothing');
fwrite(STDOUT, "\nsapi: ok\n");
