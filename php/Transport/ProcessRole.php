<?php

namespace LaravelS\Transport;

/**
 * What a process is once the extension's Server::start() returns in it (its `'role'`).
 * Mirrors ProcessRole in src/ext/kinds.rs (a Rust test checks that both list the same
 * cases).
 */
enum ProcessRole: string
{
    /** The master, after the server stopped: 'exit_code'. */
    case Master = 'master';
    /** The manager, after every worker stopped. */
    case Manager = 'manager';
    /** An HTTP or task worker: boot the app and serve ('worker_id', 'task_worker', pids). */
    case Worker = 'worker';
    /** The timer process (timer.enable). */
    case Timer = 'timer';
    /** A custom process ('process_name', 'process_instance'). */
    case Process = 'process';
    /** A short-lived child reporting a failed worker to the WorkerError handlers. */
    case WorkerError = 'worker_error';
    /** The process that started a daemonized server, once it is up: 'exit_code'. */
    case Launcher = 'launcher';
}
