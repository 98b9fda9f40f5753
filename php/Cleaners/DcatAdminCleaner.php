<?php

namespace LaravelS\Cleaners;

/**
 * jqhph/dcat-admin: forgets its per-request services (assets, menu, navbar, context,
 * translator, ...). Does nothing when the package is not installed.
 */
class DcatAdminCleaner extends BaseCleaner
{
    private const SERVICES = [
        'admin.app',
        'admin.asset',
        'admin.color',
        'admin.context',
        'admin.extend',
        'admin.extend.update',
        'admin.extend.version',
        'admin.menu',
        'admin.navbar',
        'admin.sections',
        'admin.setting',
        'admin.translator',
        'admin.web-uploader',
    ];

    public function clean(): void
    {
        if (class_exists('Dcat\Admin\Admin')) {
            $this->forgetResolved(...self::SERVICES);
        }
    }
}
