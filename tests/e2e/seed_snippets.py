"""The PHP snippets of the seed README (LaravelS's README-CN, the spec this project follows),
read from the README itself at test time, and where each one goes in a test app.

Nothing here retypes a snippet: `snippets()` extracts every ```php block in order, with the
heading it sits under, and `install()` writes the blocks' exact text into a copy of the
example app: a class file, a method inside a wrapper class (the README shows methods alone),
a fragment `require`d by a route closure (so its `use` lines and `var_dump()` stay as
written), a fragment of `config/laravels.php` or `config/database.php` merged over the
published file, or nothing, with the reason the snippet cannot run here. The README is not
copied into this repository (it is LaravelS's text); LARAVELS_SEED_README names it, by
default the copy in ../shared/seed beside the repository.

What the wrappers add is only what a snippet leaves to the reader: `<?php`, the imports a
method's class would have, and the class the README names but does not show (TestTask2,
TestCommand, the UDP/HTTP/WebSocket port handlers: the example app's own are used).
"""
from __future__ import annotations

import os
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

# The project's founding document sits beside the repository, in ../shared/seed.
REPO = Path(__file__).resolve().parents[2]
SEED_README = Path(os.environ.get("LARAVELS_SEED_README", REPO.parent / "shared" / "seed" / "laravels-README-CN.md"))
FENCE = re.compile(r"^(\s*)```(\S*)\s*$")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")


@dataclass
class Snippet:
    index: int
    heading: str  # the nearest heading above, e.g. "启用WebSocket服务器"
    line: int  # 1-based line of the opening fence
    text: str  # the block's text, its fence indentation removed


def snippets(path: Path = SEED_README) -> list[Snippet]:
    """Every ```php block of the README in order. Headings inside code blocks (a `#`
    comment in a bash block) are not headings."""
    lines = path.read_text().splitlines()
    found: list[Snippet] = []
    heading = ""
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m:
            indent, lang = len(m.group(1)), m.group(2)
            j = i + 1
            while j < len(lines) and not FENCE.match(lines[j]):
                j += 1
            if lang == "php":
                body = "\n".join(line[indent:] if line[:indent].strip() == "" else line for line in lines[i + 1:j])
                found.append(Snippet(len(found), heading, i + 1, textwrap.dedent(body) + "\n"))
            i = j + 1
            continue
        h = HEADING.match(lines[i])
        if h:
            heading = h.group(2)
        i += 1
    return found


# Where each snippet goes: index -> (heading it sits under, kind, target, note).
# Kinds: "class" (a file under app/, `<?php` prepended), "method" (inside a wrapper class),
# "route" (a file a route closure requires), "provider" (inside a service provider's boot()),
# "laravels" / "database" / "app-config" (merged into that config file), "bootstrap"
# (bootstrap/app.php, before `return $app;`), "routes" (appended to the routes file),
# "skip" (not runnable here; the note says why).
PLACES: dict[int, tuple[str, str, str, str]] = {
    0: ("安装", "app-config", "providers", "Laravel: the provider listed in config/app.php beside the discovered one"),
    1: ("安装", "skip", "", "Lumen's bootstrap/app.php; examples/lumen8/bootstrap/app.php has this line and the Lumen suite runs it"),
    2: ("启用WebSocket服务器", "class", "app/Services/WebSocketService.php", ""),
    3: ("启用WebSocket服务器", "laravels", "", ""),
    4: ("启用WebSocket服务器", "laravels", "", ""),
    5: ("启用WebSocket服务器", "class", "app/Http/Controllers/TestController.php", ""),
    6: ("系统事件", "provider", "", ""),
    7: ("系统事件", "provider", "", ""),
    8: ("自定义的异步事件", "class", "app/Seed/TestEvent.php", "no namespace: loaded by the test app's autoloader"),
    9: ("自定义的异步事件", "class", "app/Seed/TestListener1.php", "no namespace"),
    10: ("自定义的异步事件", "route", "seed/fire-event", ""),
    11: ("异步的任务队列", "class", "app/Seed/TestTask.php", "no namespace; its finish() delivers TestTask2, which the README does not show"),
    12: ("异步的任务队列", "route", "seed/deliver-task", ""),
    13: ("毫秒级定时任务", "class", "app/Jobs/Timer/TestCronJob.php", "delivers App\\Tasks\\TestTask: the example app's"),
    14: ("毫秒级定时任务", "laravels", "", ""),
    15: ("毫秒级定时任务", "method", "app/Console/Kernel.php", "Laravel 8 only: Laravel 11+ has no app/Console/Kernel.php; TestCommand is the test's"),
    16: ("在你的项目中使用`SwooleServer`实例", "route", "seed/swoole-server", "$fd comes from the query string"),
    17: ("使用`SwooleTable`", "laravels", "", ""),
    18: ("使用`SwooleTable`", "class", "app/Services/WebSocketService.php", ""),
    19: ("多端口混合协议", "class", "app/Sockets/TestTcpSocket.php", ""),
    20: ("多端口混合协议", "method", "app/Sockets/SeedPortSocket.php", "a TcpSocket with this onReceive"),
    21: ("多端口混合协议", "class", "app/Http/Controllers/TestController.php", ""),
    22: ("多端口混合协议", "laravels", "", "ports 5291-5294 are mapped to free ports"),
    23: ("多端口混合协议", "laravels", "", ""),
    24: ("多端口混合协议", "laravels", "", "handler App\\Sockets\\TestUdpSocket: the example app's (the README does not show it)"),
    25: ("多端口混合协议", "laravels", "", "handler App\\Sockets\\TestHttp: the example app's"),
    26: ("多端口混合协议", "laravels", "", "handler App\\Sockets\\TestWebSocket: the example app's"),
    27: ("自定义进程", "class", "app/Processes/TestProcess.php", "delivers App\\Tasks\\TestTask: the example app's"),
    28: ("自定义进程", "laravels", "", ""),
    29: ("自定义进程", "laravels", "", ""),
    30: ("自定义进程", "method", "app/Processes/TestProcess.php", "the callback of a TestProcess with the pipe"),
    31: ("自定义进程", "method", "app/Http/Controllers/TestController.php", ""),
    32: ("Apollo", "laravels", "", "enabled by --enable-apollo, against tests/e2e/apollo.py"),
    33: ("Apollo", "laravels", "", "beside the README's TestProcess (27)"),
    34: ("Prometheus", "laravels", "", "with steps 2-4 (prometheus_steps())"),
    35: ("Prometheus", "route", "prometheus", "a route file of its own, required by the test's routes"),
    36: ("配置Swoole事件", "class", "app/Events/ServerStartEvent.php", ""),
    37: ("配置Swoole事件", "class", "app/Events/WorkerStartEvent.php", ""),
    38: ("配置Swoole事件", "laravels", "", ""),
    39: ("阿里云函数计算", "bootstrap", "", "the storage directory moved; Function Compute itself is not here"),
    40: ("读取请求", "method", "app/Http/Controllers/SeedController.php", ""),
    41: ("输出响应", "method", "app/Http/Controllers/SeedController.php", ""),
    42: ("持久连接", "database", "", "DB_MY_CONN_* point at the test's MariaDB"),
    43: ("持久连接", "database", "", "REDIS_* point at the test's Redis"),
    44: ("关于内存泄露", "method", "app/Http/Controllers/SeedController.php", "split at `// 某控制器`: class Test, then the controller method"),
    45: ("关于内存泄露", "routes", "", ""),
}

# Imports a wrapper class carries for a method snippet, by target.
WRAPPER_HEADS = {
    "app/Console/Kernel.php": "namespace App\\Console;\nuse Illuminate\\Console\\Scheduling\\Schedule;\nuse App\\Console\\Commands\\TestCommand;\n"
                              "use Illuminate\\Foundation\\Console\\Kernel as ConsoleKernel;\nclass Kernel extends ConsoleKernel\n{\n"
                              "    protected $commands = [TestCommand::class];\n",
    "app/Sockets/SeedPortSocket.php": "namespace App\\Sockets;\nuse Hhxsv5\\LaravelS\\Swoole\\Socket\\TcpSocket;\nuse Swoole\\Server;\n"
                                      "class SeedPortSocket extends TcpSocket\n{\n",
    "app/Processes/TestProcess.php": "namespace App\\Processes;\nuse Hhxsv5\\LaravelS\\Swoole\\Process\\CustomProcessInterface;\nuse Swoole\\Http\\Server;\n"
                                     "use Swoole\\Process;\nclass TestProcess implements CustomProcessInterface\n{\n"
                                     "    public static function onReload(Server $swoole, Process $process)\n    {\n    }\n",
    "app/Http/Controllers/TestController.php": "namespace App\\Http\\Controllers;\nclass TestController extends Controller\n{\n",
    "app/Http/Controllers/SeedController.php": "namespace App\\Http\\Controllers;\nuse Illuminate\\Http\\Request;\nuse Test;\n"
                                               "class SeedController extends Controller\n{\n",
}

# What the README names without showing it, so that what it shows can run.
HELPERS = {
    # TestTask::finish() delivers `new TestTask2('task2')`.
    "app/Seed/TestTask2.php": """<?php
use Hhxsv5\\LaravelS\\Swoole\\Task\\Task;
/** Not in the README: TestTask::finish() there delivers it without showing it. */
class TestTask2 extends Task
{
    private $data;
    public function __construct($data)
    {
        $this->data = $data;
    }
    public function handle()
    {
        \\Log::info(__CLASS__ . ':handle start', [$this->data]);
    }
}
""",
    # The schedule snippet runs `TestCommand::class`.
    "app/Console/Commands/TestCommand.php": """<?php
namespace App\\Console\\Commands;
use Illuminate\\Console\\Command;
/** Not in the README: its schedule() runs this command in the background. */
class TestCommand extends Command
{
    protected $signature = 'seed:test-command';
    public function handle()
    {
        file_put_contents(storage_path('app/test-command.log'), getmypid() . "\\n", FILE_APPEND);
        return 0;
    }
}
""",
}

# Loads the README's classes that have no namespace (TestEvent, TestTask, ...) from app/Seed.
GLOBAL_AUTOLOAD = """<?php
spl_autoload_register(function ($class) {
    $file = __DIR__ . '/' . $class . '.php';
    if (strpos($class, '\\\\') === false && is_file($file)) {
        require $file;
    }
});
"""

# config/laravels.php for the test app: the published file, the README's fragments merged
# over it in order (a list under `sockets` is appended to, other arrays are merged key by
# key as the README's `// ...` means), the harness's JSON overrides last.
LARAVELS_CONFIG = """<?php
$config = require __DIR__ . '/../laravels.published.php';
$merge = function (array $config, array $fragment) {
    foreach ($fragment as $key => $value) {
        if ($key === 'sockets' && isset($config['sockets'])) {
            $config['sockets'] = array_merge($config['sockets'], $value);
        } elseif (is_array($value) && is_array($config[$key] ?? null) && array_is_list($value) === false) {
            $config[$key] = array_replace($config[$key], $value);
        } else {
            $config[$key] = $value;
        }
    }
    return $config;
};
%(fragments)s
// The README's fixed ports (5291-5294) are mapped to free ones (SEED_PORT_<n>).
foreach ($config['sockets'] ?? [] as $i => $socket) {
    if (getenv('SEED_PORT_' . $socket['port'])) {
        $config['sockets'][$i]['port'] = (int) getenv('SEED_PORT_' . $socket['port']);
    }
}
$overrides = __DIR__ . '/../laravels.overrides.json';
if (is_file($overrides)) {
    foreach (json_decode(file_get_contents($overrides), true) as $key => $value) {
        $config[$key] = is_array($value) && is_array($config[$key] ?? null) && array_is_list($value) === false
            ? array_replace($config[$key], $value)
            : $value;
    }
}
return $config;
"""

SEED_PROVIDER = """<?php
namespace App\\Providers;
use Illuminate\\Support\\Facades\\Route;
use Illuminate\\Support\\ServiceProvider;
/** The test app's: the README's event listeners in boot(), and its routes (no middleware group). */
class SeedServiceProvider extends ServiceProvider
{
    public function boot()
    {
        if (is_file(base_path('routes/seed.php'))) {
            Route::group([], base_path('routes/seed.php'));
        }
        $events = $this->app['events'];
%(listeners)s
    }
}
"""


def prometheus_steps(app: Path, version: int) -> None:
    """Steps 2 to 4 of the README's Prometheus section, which are not PHP blocks: copy the
    package's config/prometheus.php into the app (the README's `cp vendor/hhxsv5/laravel-s/
    config/prometheus.php config/`, from where this package installs), put RequestMiddleware
    first among the global middleware, and register the component's ServiceProvider."""
    package = app / "vendor" / "laravels-rs" / "laravels"
    (app / "config" / "prometheus.php").write_text((package / "config" / "prometheus.php").read_text())
    middleware = "\\Hhxsv5\\LaravelS\\Components\\Prometheus\\RequestMiddleware::class"
    provider = "Hhxsv5\\LaravelS\\Components\\Prometheus\\ServiceProvider::class"
    if version >= 11:
        boot = app / "bootstrap" / "app.php"
        marker = "->withMiddleware(function (Middleware $middleware): void {"
        code = boot.read_text()
        assert marker in code, "bootstrap/app.php has no withMiddleware()"
        boot.write_text(code.replace(marker, marker + f"\n        $middleware->prepend({middleware});", 1))
        providers = app / "bootstrap" / "providers.php"
        providers.write_text(providers.read_text().replace("];", f"    {provider},\n];"))
    else:
        kernel = app / "app" / "Http" / "Kernel.php"
        marker = "protected $middleware = ["
        code = kernel.read_text()
        assert marker in code, "app/Http/Kernel.php has no $middleware"
        kernel.write_text(code.replace(marker, marker + f"\n        {middleware},", 1))
        app_config = app / "config" / "app.php"
        marker = "App\\Providers\\RouteServiceProvider::class,"
        code = app_config.read_text()
        assert marker in code, "config/app.php lists no RouteServiceProvider"
        app_config.write_text(code.replace(marker, marker + f"\n        {provider},", 1))


def as_array_fragment(text: str) -> str:
    """A config snippet as a PHP array expression: `[ ... ];` stays an array, a list of
    `'key' => value,` entries is wrapped in brackets; a trailing `;` goes."""
    body = text.strip()
    if body.endswith(";"):
        body = body[:-1]
    code = [line for line in body.splitlines() if line.strip() and not line.strip().startswith("//")]
    if code and code[0].strip() == "[":
        return body
    return "[\n" + body + "\n]"


def split_leak(text: str) -> tuple[str, str]:
    """The memory-leak snippet: `class Test {...}`, then `// 某控制器` and a controller method."""
    head, sep, method = text.partition("// 某控制器")
    assert sep, "the memory-leak snippet no longer has its `// 某控制器` line"
    return head, sep + method


class SeedApp:
    """Writes chosen snippets into a prepared copy of the example app."""

    def __init__(self, app: Path, laravel_version: int):
        self.app = app
        self.version = laravel_version
        self.all = snippets()
        self.laravels: list[str] = []
        self.listeners: list[str] = []
        self.routes: list[str] = []
        self.methods: dict[str, list[str]] = {}

    def text(self, index: int) -> str:
        snippet = self.all[index]
        expected = PLACES[index][0]
        assert expected in snippet.heading, f"snippet {index} sits under {snippet.heading!r}, not {expected!r}: the README changed"
        return snippet.text

    def write(self, rel: str, code: str) -> None:
        path = self.app / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code)

    def install(self, *indices: int, route_names: dict[int, str] | None = None) -> "SeedApp":
        for index in indices:
            _, kind, target, _ = PLACES[index]
            text = self.text(index)
            if kind == "class":
                self.write(target, "<?php\n" + text)
            elif kind == "method":
                if index == 44:
                    head, text = split_leak(text)
                    self.write("app/Seed/Test.php", "<?php\n" + head)
                self.methods.setdefault(target, []).append(text)
            elif kind == "route":
                self.write(f"routes/{target}.php", "<?php\n" + text)
            elif kind == "provider":
                self.listeners.append(text)
            elif kind == "laravels":
                self.laravels.append(f"$config = $merge($config, {as_array_fragment(text)});")
            elif kind == "routes":
                self.routes.append(text)
            elif kind == "database":
                self.merge_config("config/database.php", text, index)
            elif kind == "app-config":
                self.merge_config("config/app.php", text, index)
            elif kind == "bootstrap":
                boot = self.app / "bootstrap" / "app.php"
                code = boot.read_text()
                at = code.rindex("return $app;")
                boot.write_text(code[:at] + "// The seed README's snippet " + str(index) + ":\n" + text + "\n" + code[at:])
            else:
                raise AssertionError(f"snippet {index} is not runnable here: {PLACES[index][3]}")
        return self

    def merge_config(self, rel: str, text: str, index: int) -> None:
        """config/database.php or config/app.php: the original, with the snippet's keys
        merged in one level down (its `connections`/`redis`/`providers` beside the app's)."""
        original = rel.replace(".php", f".before-seed-{index}.php")
        (self.app / rel).rename(self.app / original)
        self.write(rel, f"""<?php
$config = require __DIR__ . '/{Path(original).name}';
$seed = {as_array_fragment(text)};
foreach ($seed as $key => $value) {{
    $config[$key] = is_array($config[$key] ?? null)
        ? (array_is_list($value) ? array_merge($config[$key], $value) : array_replace($config[$key], $value))
        : $value;
}}
return $config;
""")

    def finish(self, extra_routes: str = "") -> "SeedApp":
        """Writes the wrappers, routes, provider and config; registers the provider and the
        autoloader of the namespace-less classes."""
        for target, methods in self.methods.items():
            extra = ""
            if target == "app/Http/Controllers/TestController.php" and (self.app / target).exists():
                raise AssertionError("TestController is both a README class and a wrapper in one app")
            self.write(target, "<?php\n" + WRAPPER_HEADS[target] + "\n".join(textwrap.indent(m, "    ") for m in methods) + extra + "}\n")
        for rel, code in HELPERS.items():
            self.write(rel, code)
        self.write("app/Seed/autoload.php", GLOBAL_AUTOLOAD)
        boot = self.app / "bootstrap" / "app.php"
        code = boot.read_text()
        boot.write_text(code.replace("<?php", "<?php\nrequire_once __DIR__ . '/../app/Seed/autoload.php';", 1))
        self.write("routes/seed.php", "<?php\nuse Illuminate\\Support\\Facades\\Route;\n" + "\n".join(self.routes) + "\n" + extra_routes)
        self.write("app/Providers/SeedServiceProvider.php",
                   SEED_PROVIDER % {"listeners": textwrap.indent("\n".join(self.listeners), " " * 8)})
        if self.version >= 11:
            providers = self.app / "bootstrap" / "providers.php"
            providers.write_text(providers.read_text().replace("];", "    App\\Providers\\SeedServiceProvider::class,\n];"))
        else:
            app_config = self.app / "config" / "app.php"
            target = app_config
            for candidate in sorted((self.app / "config").glob("app.before-seed-*.php")):
                target = candidate
            code = target.read_text()
            marker = "App\\Providers\\RouteServiceProvider::class,"
            assert marker in code, "config/app.php lists no RouteServiceProvider"
            target.write_text(code.replace(marker, marker + "\n        App\\Providers\\SeedServiceProvider::class,"))
        self.write("config/laravels.php", LARAVELS_CONFIG % {"fragments": "\n".join(self.laravels)})
        return self
