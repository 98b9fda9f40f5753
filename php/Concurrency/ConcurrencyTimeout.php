<?php

namespace LaravelS\Concurrency;

/** A closure of LaravelS\Concurrently gave no result within the timeout. */
final class ConcurrencyTimeout extends \RuntimeException
{
}
