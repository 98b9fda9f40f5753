<?php

namespace LaravelS\Tests\Fixtures\UserCode;

class SecondRecordingCleaner extends RecordingCleaner
{
}
