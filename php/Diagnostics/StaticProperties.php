<?php

declare(strict_types=1);

namespace LaravelS\Diagnostics;

/**
 * The static properties of every loaded class the filter watches, read without
 * side effects. Classes are found once, as they are declared (the list of declared
 * classes only grows), and their reflection is kept, so a read costs one value per
 * property.
 */
final class StaticProperties
{
    private int $seen = 0;
    /** @var array<string, \ReflectionProperty> `Class::$name` => property */
    private array $properties = [];

    public function __construct(private OffenderFilter $filter)
    {
    }

    /**
     * The current value of each static property, by `Class::$name`; properties of typed
     * declarations not yet initialized are left out.
     *
     * @return array<string, mixed>
     */
    public function values(): array
    {
        $this->discover();
        $values = [];
        foreach ($this->properties as $name => $property) {
            if ($property->isInitialized()) {
                $values[$name] = $property->getValue();
            }
        }

        return $values;
    }

    /** The value a property starts with, for a class first loaded during a request. */
    public function initial(string $name): mixed
    {
        $property = $this->properties[$name] ?? null;

        return $property !== null && $property->hasDefaultValue() ? $property->getDefaultValue() : null;
    }

    private function discover(): void
    {
        $classes = get_declared_classes();
        for ($count = count($classes); $this->seen < $count; $this->seen++) {
            $class = $classes[$this->seen];
            if (!$this->filter->watchesClass($class)) {
                continue;
            }
            $reflection = new \ReflectionClass($class);
            if ($reflection->isInternal()) {
                continue;
            }
            foreach ($reflection->getProperties(\ReflectionProperty::IS_STATIC) as $property) {
                $name = $class . '::$' . $property->getName();
                if ($property->getDeclaringClass()->getName() === $class && $this->filter->watches($name)) {
                    $this->properties[$name] = $property;
                }
            }
        }
    }
}
