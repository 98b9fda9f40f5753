<?php
// The committed stubs (stubs/laravels.stubs.php) describe the loaded extension exactly:
// same classes, parents, methods, static-ness and parameters. Regenerate with
// scripts/stubs.sh when this fails.

function describe_classes(array $names): array
{
    $out = [];
    foreach ($names as $name) {
        $c = new ReflectionClass($name);
        $methods = [];
        foreach ($c->getMethods() as $m) {
            if ($m->getDeclaringClass()->getName() !== $c->getName()) {
                continue;
            }
            $params = array_map(fn (ReflectionParameter $p) => [$p->getName(), (string) $p->getType(), $p->isOptional()], $m->getParameters());
            $methods[$m->getName()] = [$m->isStatic(), $params];
        }
        ksort($methods);
        $out[$name] = [get_parent_class($name) ?: null, $methods];
    }
    ksort($out);

    return $out;
}

if (($argv[1] ?? '') === '--from-stubs') {
    require $argv[2];
    echo json_encode(describe_classes(json_decode($argv[3], true)));
    exit(0);
}

$classes = array_keys((new ReflectionExtension('laravels'))->getClasses());
$loaded = describe_classes($classes);
$stubs = dirname(__DIR__, 2) . '/stubs/laravels.stubs.php';
$cmd = sprintf('php -n %s --from-stubs %s %s', escapeshellarg(__FILE__), escapeshellarg($stubs), escapeshellarg(json_encode($classes)));
$fromStubs = json_decode((string) shell_exec($cmd), true);
if ($fromStubs !== $loaded) {
    fwrite(STDERR, "FAILED: stubs/laravels.stubs.php does not match the extension; run scripts/stubs.sh\n");
    fwrite(STDERR, "extension: " . json_encode($loaded) . "\nstubs:     " . json_encode($fromStubs) . "\n");
    exit(1);
}
echo 'stubs_match: ' . count($classes) . " classes match\n";
