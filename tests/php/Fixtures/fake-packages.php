<?php

/*
 * Stand-ins for the third-party classes the package cleaners look for, with the members
 * they touch. Loaded only in tests that run in their own process.
 */

namespace Tymon\JWTAuth {
    class JWTAuth
    {
    }
}

namespace Lavary\Menu {
    class Menu
    {
    }
}

namespace Dcat\Admin {
    class Admin
    {
    }
}

namespace Encore\Admin {
    class Admin
    {
        public static $script = [];
        public static $css = [];
        public static $manifest = 'vendor/laravel-admin/minify-manifest.json';
        public static $metaTitle;
        protected static $bootingCallbacks = [];
        /** Not page state: must be left alone. */
        public static $version = '1.0';

        public static function booting(callable $callback): void
        {
            static::$bootingCallbacks[] = $callback;
        }

        public static function bootingCallbackCount(): int
        {
            return count(static::$bootingCallbacks);
        }
    }
}

namespace Tightenco\Ziggy {
    class BladeRouteGenerator
    {
        public static $generated = false;
    }
}
