<?php

declare(strict_types=1);

namespace LaravelS\Diagnostics;

/**
 * Finds whether a value reaches one of a request's own objects (the request, its user,
 * its session) through properties and array entries, and by which path. The walk starts
 * at a root's own properties (OwnProperties), enters app and vendor objects and the
 * framework's collections, and stops at other framework objects (their state is the
 * framework's to reset: the router's current request is replaced by the next one),
 * containers and closures. It is bounded (depth and a budget of visited values) and reads
 * properties by an array cast, which calls no magic method.
 */
final class ReferenceFinder
{
    private const DEPTH = 5;
    private const BUDGET = 5000;
    private const ENTRIES = 200;

    /** @var array<string, true> */
    private array $visited = [];
    private int $budget = 0;
    /** Whether the last find() met an object on its way (false: the value is plain data). */
    public bool $sawObject = false;

    /** @param array<int, string> $targets object id => what the object is ("this request's user") */
    public function __construct(private array $targets, private OffenderFilter $filter, private OwnProperties $own)
    {
    }

    /**
     * The first target a root object's own properties reach: [what it is, the path], or null.
     *
     * @return array{0: string, 1: string}|null
     */
    public function findFrom(object $root): ?array
    {
        if (isset($this->targets[spl_object_id($root)])) {
            return [$this->targets[spl_object_id($root)], '(itself)'];
        }
        foreach ($this->own->of($root) as $name => $value) {
            $found = $this->find($value, '->' . $name);
            if ($found !== null) {
                return $found;
            }
        }

        return null;
    }

    /**
     * The first target `$value` reaches: [what it is, the path from `$value`], or null.
     *
     * @return array{0: string, 1: string}|null
     */
    public function find(mixed $value, string $path = ''): ?array
    {
        if ($this->targets === []) {
            return null;
        }
        $this->visited = [];
        $this->budget = self::BUDGET;
        $this->sawObject = false;

        return $this->walk($value, $path, 0);
    }

    /** @return array{0: string, 1: string}|null */
    private function walk(mixed $value, string $path, int $depth): ?array
    {
        if (--$this->budget < 0) {
            return null;
        }
        if (is_object($value)) {
            $this->sawObject = true;
            $id = spl_object_id($value);
            if (isset($this->targets[$id])) {
                return [$this->targets[$id], $path === '' ? '(itself)' : $path];
            }
            if (
                isset($this->visited['o' . $id]) || $depth >= self::DEPTH
                || $value instanceof \Closure || $value instanceof \Illuminate\Contracts\Container\Container
            ) {
                return null;
            }
            $collection = $value instanceof \Illuminate\Support\Collection || $value instanceof \ArrayObject;
            if (!$collection && !$this->filter->watchesClass(get_class($value))) {
                return null;
            }
            $this->visited['o' . $id] = true;
            foreach ((array) $value as $key => $child) {
                if (is_object($child) || is_array($child)) {
                    $name = (string) $key;
                    $found = $this->walk($child, $path . '->' . substr($name, (int) strrpos("\0" . $name, "\0")), $depth + 1);
                    if ($found !== null) {
                        return $found;
                    }
                }
            }

            return null;
        }
        if (is_array($value) && $depth < self::DEPTH) {
            $seen = 0;
            foreach ($value as $key => $child) {
                if (++$seen > self::ENTRIES) {
                    break;
                }
                if (is_object($child) || is_array($child)) {
                    $found = $this->walk($child, $path . '[' . var_export($key, true) . ']', $depth + 1);
                    if ($found !== null) {
                        return $found;
                    }
                }
            }
        }

        return null;
    }
}
