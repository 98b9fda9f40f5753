<?php

declare(strict_types=1);

namespace LaravelS\Diagnostics;

/** Short, log-sized descriptions of values and of how one became another. */
final class ValueDiff
{
    private const TEXT = 40;

    /** `'abc'`, `42`, `array(3)`, `App\Models\User#12`. */
    public static function describe(mixed $value): string
    {
        if (is_array($value)) {
            return 'array(' . count($value) . ')';
        }
        if (is_object($value)) {
            return get_debug_type($value) . '#' . spl_object_id($value);
        }
        if (is_string($value) && strlen($value) > self::TEXT) {
            return var_export(mb_strcut($value, 0, self::TEXT), true) . '...';
        }
        if (is_resource($value)) {
            return get_resource_type($value) . ' resource';
        }

        return var_export($value, true);
    }

    /**
     * How `$old` became `$new`: `'en' -> 'fr'`, or for arrays what the keys did:
     * `array(2) -> array(3), added [2 => 'x']`.
     */
    public static function change(mixed $old, mixed $new): string
    {
        $text = self::describe($old) . ' -> ' . self::describe($new);
        if (!is_array($old) || !is_array($new)) {
            return $text;
        }
        $parts = [];
        $added = array_diff_key($new, $old);
        if ($added !== []) {
            $parts[] = 'added ' . self::sample($added);
        }
        $removed = array_diff_key($old, $new);
        if ($removed !== []) {
            $parts[] = 'removed ' . self::sample($removed);
        }
        $changed = [];
        foreach (array_intersect_key($new, $old) as $key => $value) {
            if ($value !== $old[$key]) {
                $changed[$key] = $value;
            }
        }
        if ($changed !== []) {
            $parts[] = 'changed ' . self::sample($changed);
        }

        return $parts === [] ? $text : $text . ', ' . implode(', ', $parts);
    }

    /** The first entries of an array, `[key => value, ...]`. */
    private static function sample(array $entries): string
    {
        $shown = [];
        foreach (array_slice($entries, 0, 2, true) as $key => $value) {
            $shown[] = var_export($key, true) . ' => ' . self::describe($value);
        }

        return '[' . implode(', ', $shown) . (count($entries) > 2 ? ', ...' : '') . ']';
    }
}
