<?php

namespace App\Http\Controllers;

use App\Models\User;
use Illuminate\Http\JsonResponse;
use Illuminate\Http\Response;
use Symfony\Component\HttpFoundation\RedirectResponse;
use Symfony\Component\HttpFoundation\BinaryFileResponse;
use Symfony\Component\HttpFoundation\StreamedResponse;

/** One route per kind of response a runtime has to carry to the client intact. */
class ResponseController extends Controller
{
    /** Size of the GET /download file. */
    private const DOWNLOAD_BYTES = 1048576;

    /** Stated, not guessed: fileinfo takes the 0-255 pattern for an image. */
    private const BINARY = ['Content-Type' => 'application/octet-stream'];

    public function welcome()
    {
        return view('welcome');
    }

    /** The benchmark route: as little work as a JSON answer can be. */
    public function hello(): JsonResponse
    {
        return response()->json(['message' => 'hello']);
    }

    /** The one-query benchmark route: one Eloquent SELECT by primary key; 404 for no row. */
    public function user(int $id): JsonResponse
    {
        return response()->json(User::query()->findOrFail($id, ['id', 'name', 'email']));
    }

    /** INCR on Redis through the container's Redis manager: the count, and which worker. */
    public function counter(string $key): JsonResponse
    {
        return response()->json(['key' => $key, 'count' => (int) app('redis')->connection()->incr('counter:' . $key), 'pid' => getmypid()]);
    }

    public function redirect(): RedirectResponse
    {
        return redirect('/hello');
    }

    public function status(int $code): Response
    {
        return response('status', $code);
    }

    /** Output echoed by a controller that returns an empty body (LaravelS sends the output). */
    public function echoOutput(): string
    {
        echo 'echoed;';

        return '';
    }

    public function varDump(): string
    {
        var_dump(['dumped' => true]);

        return '';
    }

    /** Five chunks 200 ms apart: a client sees the first before the last is written. */
    public function stream(): StreamedResponse
    {
        return response()->stream(function () {
            for ($i = 1; $i <= 5; $i++) {
                echo "chunk-$i\n";
                if (ob_get_level() > 0) {
                    ob_flush();
                }
                flush();
                if ($i < 5) {
                    usleep(200000);
                }
            }
        }, 200, ['Content-Type' => 'text/plain']);
    }

    /** A 1 MiB file of bytes 0-255 repeated; Symfony answers Range requests itself. */
    public function download(): BinaryFileResponse
    {
        return response()->download($this->downloadFile(), 'download.bin', self::BINARY);
    }

    /** A copy that must be gone after it is sent; X-Temp-File tells the tests where it was. */
    public function downloadDelete(): BinaryFileResponse
    {
        $copy = tempnam(sys_get_temp_dir(), 'laravels-dl-');
        copy($this->downloadFile(), $copy);

        return response()->download($copy, 'download.bin', self::BINARY + ['X-Temp-File' => $copy])
            ->deleteFileAfterSend(true);
    }

    /** storage/app/download.bin, written once (atomically: workers may race to make it). */
    private function downloadFile(): string
    {
        $path = storage_path('app/download.bin');
        if (! is_file($path)) {
            $pattern = implode('', array_map('chr', range(0, 255)));
            $tmp = tempnam(dirname($path), 'download-');
            file_put_contents($tmp, str_repeat($pattern, intdiv(self::DOWNLOAD_BYTES, 256)));
            rename($tmp, $path);
        }

        return $path;
    }
}
