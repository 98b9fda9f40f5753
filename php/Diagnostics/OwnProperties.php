<?php

declare(strict_types=1);

namespace LaravelS\Diagnostics;

/**
 * The properties of an object that its watched classes declare: for an app class that
 * extends a framework one (App\Http\Kernel, a model), the framework's part is the
 * framework's to reset, and is left out. Read by an array cast (no magic method runs);
 * the keys are the property names. Which class declares each name is found once per
 * class.
 */
final class OwnProperties
{
    /** @var array<string, array<string, bool>> class => property name => watched */
    private array $declared = [];

    public function __construct(private OffenderFilter $filter)
    {
    }

    /** @return array<string, mixed> property name => value */
    public function of(object $object): array
    {
        $class = get_class($object);
        $watched = $this->declared[$class] ??= $this->declaredBy($class);
        $own = [];
        foreach ((array) $object as $key => $value) {
            $key = (string) $key;
            $name = substr($key, (int) strrpos("\0" . $key, "\0"));
            // Not declared at all: a dynamic property, which the app's code set.
            if ($watched[$name] ?? true) {
                $own[$name] = $value;
            }
        }

        return $own;
    }

    /** @return array<string, bool> */
    private function declaredBy(string $class): array
    {
        $names = [];
        foreach ((new \ReflectionClass($class))->getProperties() as $property) {
            if (!$property->isStatic()) {
                $names[$property->getName()] = $this->filter->watchesClass($property->getDeclaringClass()->getName());
            }
        }

        return $names;
    }
}
