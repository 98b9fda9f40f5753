<?php

namespace LaravelS\Cleaners;

/**
 * lavary/laravel-menu: forgets the menu builder, whose menus are built per request.
 * Does nothing when the package is not installed.
 */
class MenuCleaner extends BaseCleaner
{
    private const MENU = 'Lavary\Menu\Menu';

    public function clean(): void
    {
        if (class_exists(self::MENU)) {
            $this->forgetResolved(self::MENU);
        }
    }
}
