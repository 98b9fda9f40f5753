//! The sections only the PHP package acts on: class lists, handlers, timer jobs, custom
//! process definitions, `destroy_controllers`; and `inotify_reload`, which the master's
//! file watcher (`src/watch/`) acts on. The runtime does not use the others, but they are typed and shape-checked here, once, so the package reads them from
//! the view (`view.rs`) instead of `config('laravels')`, and a wrong shape stops start-up
//! with the same `ConfigError` as any other key. Whether a class exists is left to PHP,
//! which can autoload it.

use serde_json::{Map, Value};

use super::tables::{self, TableDefinition};
use super::values::{bool_value, int_value, kind_of, section, string_value};
use super::{invalid, ConfigError};

/// The server events of `event_handlers`, in the order the view lists them.
/// `Task`, `Finish` and `PipeMessage` are Swoole's `onTask`, `onFinish` and
/// `onPipeMessage` for `app('swoole')->task()` and `sendMessage()` (not in `LaravelS`).
pub const SERVER_EVENTS: [&str; 8] = ["ServerStart", "ServerStop", "WorkerStart", "WorkerStop", "WorkerError", "Task", "Finish", "PipeMessage"];

/// The sections only the PHP package acts on, shape-checked here and read by PHP from the view.
#[derive(Debug, Clone, PartialEq)]
pub struct PackageConfig {
    /// `laravel_base_path`: the application's root (default: the base path the server was given).
    pub laravel_base_path: String,
    /// `inotify_reload`: reloading the workers when watched files change.
    pub inotify_reload: InotifyReload,
    /// Handler classes of each of `SERVER_EVENTS`, in that order.
    pub event_handlers: Vec<(&'static str, Vec<String>)>,
    /// `websocket.handler`, when WebSocket is on.
    pub websocket_handler: Option<String>,
    /// `timer.jobs`, in config order.
    pub timer_jobs: Vec<TimerJob>,
    /// `timer.global_lock`, `global_lock_key`, `global_lock_ttl`: one server of several runs the timer's jobs.
    pub global_lock: GlobalLock,
    /// The enabled entries of `processes`, in config order.
    pub processes: Vec<ProcessDefinition>,
    /// `swoole_tables`: the shared tables to create before the fork.
    pub swoole_tables: Vec<TableDefinition>,
    /// `register_providers`: service provider classes registered again for each request.
    pub register_providers: Vec<String>,
    /// `cleaners`: classes that reset application state after each request.
    pub cleaners: Vec<String>,
    /// `destroy_controllers`: whether controller instances are dropped after each request, and which are kept.
    pub destroy_controllers: DestroyControllers,
    /// `leak_detector`: the development mode that reports state outliving a request.
    pub leak_detector: LeakDetector,
    /// The `swoole` section as given: the base of `app('swoole')->setting`.
    pub swoole: Map<String, Value>,
}

/// `inotify_reload`: the master reloads every process when a watched file changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InotifyReload {
    /// `enable`: watch and reload.
    pub enable: bool,
    /// `watch_path`, absolute (a relative one is taken from the application's root).
    pub watch_path: String,
    /// `file_types`: name endings that count (`.php`); empty: every file.
    pub file_types: Vec<String>,
    /// `excluded_dirs`: directories not watched, as given (relative ones are under `watch_path`).
    pub excluded_dirs: Vec<String>,
    /// `log`: print the file that triggered each reload.
    pub log: bool,
    /// `poll_ms`: scan modification times this often instead of using inotify; 0: inotify.
    pub poll_ms: u64,
}

/// One entry of `timer.jobs`: `Job::class` or `[Job::class, [interval_ms, isImmediate]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct TimerJob {
    pub class: String,
    /// The job's constructor argument, as given (an empty list without one).
    pub args: Value,
}

/// `timer.global_lock`, `global_lock_key`, `global_lock_ttl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalLock {
    pub enable: bool,
    /// `None`: the application's name (config('app.name')), which only PHP knows.
    pub key: Option<String>,
    pub ttl: u64,
}

/// An enabled entry of `processes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessDefinition {
    pub name: String,
    pub class: String,
    pub num: u32,
    /// 0: none, 1: a stream pipe, 2: a datagram pipe.
    pub pipe: u8,
    pub redirect: bool,
    pub restart_interval: u64,
    pub queue: Option<ProcessQueue>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessQueue {
    pub msg_key: i64,
    pub mode: i64,
    pub capacity: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestroyControllers {
    pub enable: bool,
    /// Class names without a leading backslash.
    pub excluded_list: Vec<String>,
}

/// `laravel_base_path`: the application the workers boot, relative to the base path
/// unless absolute; it must hold an application (`bootstrap/app.php`).
fn laravel_base_path(top: &Map<String, Value>, base_path: &str) -> Result<String, ConfigError> {
    let given = string_value(top.get("laravel_base_path"), "laravel_base_path", base_path)?;
    if given == base_path {
        return Ok(given);
    }
    let path = std::path::Path::new(base_path).join(&given);
    if !path.join("bootstrap/app.php").is_file() {
        return Err(invalid(
            "laravel_base_path",
            format!("{} has no bootstrap/app.php", path.display()),
            "point it at the application's root (or a link to it), or leave it out for base_path()",
        ));
    }
    Ok(path.to_string_lossy().into_owned())
}

/// `leak_detector`: whether the worker reports state that outlives a request, and what not to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeakDetector {
    /// `leak_detector.enable`.
    pub enable: bool,
    /// `leak_detector.ignore`: classes, `Class::$property`, bindings or `config:` prefixes.
    pub ignore: Vec<String>,
}

pub(super) fn parse(top: &Map<String, Value>, swoole: &Map<String, Value>, base_path: &str, websocket: bool) -> Result<PackageConfig, ConfigError> {
    let timer = section(top, "timer", "set 'timer' => ['enable' => ..., 'jobs' => [...]]")?;
    Ok(PackageConfig {
        laravel_base_path: laravel_base_path(top, base_path)?,
        inotify_reload: inotify_reload(top, base_path)?,
        event_handlers: event_handlers(top.get("event_handlers"))?,
        websocket_handler: if websocket { top.get("websocket").and_then(|w| w.get("handler")).and_then(Value::as_str).map(str::to_owned) } else { None },
        timer_jobs: timer_jobs(timer.get("jobs"))?,
        global_lock: global_lock(timer)?,
        processes: processes(top.get("processes"))?,
        swoole_tables: tables::parse(top.get("swoole_tables"))?,
        register_providers: class_list(top.get("register_providers"), "register_providers")?,
        cleaners: class_list(top.get("cleaners"), "cleaners")?,
        destroy_controllers: destroy_controllers(top)?,
        leak_detector: leak_detector(top)?,
        swoole: swoole.clone(),
    })
}

/// The entries of a list, or of a PHP array used as one (its values, in order).
fn entries(v: &Value) -> Option<Vec<&Value>> {
    match v {
        Value::Array(a) => Some(a.iter().collect()),
        Value::Object(o) => Some(o.values().collect()),
        _ => None,
    }
}

/// A list of class names (`cleaners`, `register_providers`).
fn class_list(v: Option<&Value>, key: &str) -> Result<Vec<String>, ConfigError> {
    let fix = format!("set '{key}' => [...] in config/laravels.php, one Class::class per entry");
    let list = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(v) => entries(v).ok_or_else(|| invalid(key, format!("must be a list of class names, not {}", kind_of(v)), &fix))?,
    };
    list.into_iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::String(s) => Ok(s.clone()),
            other => Err(invalid(&format!("{key}.{i}"), format!("entries are class names, found {}", kind_of(other)), &fix)),
        })
        .collect()
}

/// A list of strings that may also be given as one string, as PHP's (array) cast takes it.
fn strings(v: Option<&Value>, key: &str) -> Result<Vec<String>, ConfigError> {
    match v {
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        other => class_list(other, key),
    }
}

/// `event_handlers`: event name => handler class or list of them.
fn event_handlers(v: Option<&Value>) -> Result<Vec<(&'static str, Vec<String>)>, ConfigError> {
    let fix = "set 'event_handlers' => ['ServerStart' => [Handler::class], ...]";
    let given = match v {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Array(a)) if a.is_empty() => Map::new(),
        Some(Value::Object(o)) => o.clone(),
        Some(Value::Array(_)) => return Err(invalid("event_handlers", "must be an array of event name => [classes], not a list", fix)),
        Some(other) => return Err(invalid("event_handlers", format!("must be an array of event name => [classes], not {}", kind_of(other)), fix)),
    };
    if let Some(unknown) = given.keys().find(|k| !SERVER_EVENTS.contains(&k.as_str())) {
        return Err(invalid("event_handlers", format!("{unknown} is not an event"), format!("use one of {}", SERVER_EVENTS.join(", "))));
    }
    SERVER_EVENTS.iter().map(|event| Ok((*event, strings(given.get(*event), &format!("event_handlers.{event}"))?))).collect()
}

fn inotify_reload(top: &Map<String, Value>, base_path: &str) -> Result<InotifyReload, ConfigError> {
    let s = section(top, "inotify_reload", "set 'inotify_reload' => ['enable' => false, ...]")?;
    Ok(InotifyReload {
        enable: bool_value(s.get("enable"), "inotify_reload.enable", false)?,
        watch_path: absolute(&string_value(s.get("watch_path"), "inotify_reload.watch_path", base_path)?, base_path),
        file_types: strings(s.get("file_types"), "inotify_reload.file_types").map(|t| if s.contains_key("file_types") { t } else { vec![".php".into()] })?,
        excluded_dirs: strings(s.get("excluded_dirs"), "inotify_reload.excluded_dirs")?,
        log: bool_value(s.get("log"), "inotify_reload.log", true)?,
        poll_ms: match int_value(s.get("poll_ms"), "inotify_reload.poll_ms", 0)? {
            ms @ 0..=3_600_000 => ms as u64,
            ms => {
                return Err(invalid(
                    "inotify_reload.poll_ms",
                    format!("{ms} is not between 0 and 3600000"),
                    "give milliseconds between scans, such as 500, or 0 to use inotify",
                ))
            }
        },
    })
}

/// `path` as an absolute path: relative ones are taken from `base_path`.
fn absolute(path: &str, base_path: &str) -> String {
    if path.starts_with('/') || path.is_empty() {
        path.to_owned()
    } else {
        format!("{}/{path}", base_path.trim_end_matches('/'))
    }
}

fn timer_jobs(v: Option<&Value>) -> Result<Vec<TimerJob>, ConfigError> {
    let fix = "list CronJob classes, or [Job::class, [interval_ms, isImmediate]]";
    let list = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(v) => entries(v).ok_or_else(|| invalid("timer.jobs", format!("must be a list of jobs, not {}", kind_of(v)), fix))?,
    };
    let mut jobs = Vec::new();
    for (i, entry) in list.into_iter().enumerate() {
        let key = format!("timer.jobs.{i}");
        let (class, args) = match entry {
            Value::String(s) => (s.clone(), Value::Array(Vec::new())),
            Value::Array(pair) => match (pair.first(), pair.get(1)) {
                (Some(Value::String(s)), None | Some(Value::Null)) => (s.clone(), Value::Array(Vec::new())),
                (Some(Value::String(s)), Some(args @ (Value::Array(_) | Value::Object(_)))) => (s.clone(), args.clone()),
                // PHP's (array) cast: a scalar argument is a list of one.
                (Some(Value::String(s)), Some(arg)) => (s.clone(), Value::Array(vec![arg.clone()])),
                _ => return Err(invalid(&key, "does not start with a class name", fix)),
            },
            other => return Err(invalid(&key, format!("is {}, not a job", kind_of(other)), fix)),
        };
        jobs.push(TimerJob { class, args });
    }
    Ok(jobs)
}

fn global_lock(timer: &Map<String, Value>) -> Result<GlobalLock, ConfigError> {
    let ttl = int_value(timer.get("global_lock_ttl"), "timer.global_lock_ttl", 60)?;
    if ttl < 1 {
        return Err(invalid("timer.global_lock_ttl", format!("{ttl} seconds"), "use a number of seconds >= 1 (the default is 60)"));
    }
    let key = match timer.get("global_lock_key") {
        None | Some(Value::Null) => None,
        v => Some(string_value(v, "timer.global_lock_key", "")?),
    };
    Ok(GlobalLock { enable: bool_value(timer.get("global_lock"), "timer.global_lock", false)?, key, ttl: ttl as u64 })
}

/// The enabled `processes` as the PHP side makes them (the runtime's one entry per
/// instance is `super::sections::processes`, which also checks `num` and
/// `restart_interval`).
fn processes(v: Option<&Value>) -> Result<Vec<ProcessDefinition>, ConfigError> {
    let Some(Value::Object(entries)) = v else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for (name, def) in entries {
        let key = format!("processes.{name}");
        let Some(def) = def.as_object() else { continue };
        if !bool_value(def.get("enable"), &format!("{key}.enable"), true)? {
            continue;
        }
        let class = match def.get("class") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
            _ => {
                return Err(invalid(
                    &format!("{key}.class"),
                    "is missing",
                    "name a class implementing Hhxsv5\\LaravelS\\Swoole\\Process\\CustomProcessInterface, or disable the entry with 'enable' => false",
                ))
            }
        };
        let pipe = int_value(def.get("pipe"), &format!("{key}.pipe"), 0)?;
        if !(0..=2).contains(&pipe) {
            return Err(invalid(&format!("{key}.pipe"), format!("{pipe} is not a pipe type"), "use 0 (none), 1 (stream) or 2 (datagram)"));
        }
        let queue = match def.get("queue") {
            None | Some(Value::Null) => None,
            Some(Value::Object(q)) => Some(ProcessQueue {
                msg_key: int_value(q.get("msg_key"), &format!("{key}.queue.msg_key"), 0)?,
                mode: int_value(q.get("mode"), &format!("{key}.queue.mode"), 2)?,
                capacity: int_value(q.get("capacity"), &format!("{key}.queue.capacity"), 8192)?,
            }),
            Some(_) => return Err(invalid(&format!("{key}.queue"), "must be an array", "set 'queue' => ['msg_key' => 0, 'mode' => 2, 'capacity' => 8192]")),
        };
        out.push(ProcessDefinition {
            name: name.clone(),
            class,
            num: int_value(def.get("num"), &format!("{key}.num"), 1)? as u32,
            pipe: pipe as u8,
            redirect: bool_value(def.get("redirect"), &format!("{key}.redirect"), false)?,
            restart_interval: int_value(def.get("restart_interval"), &format!("{key}.restart_interval"), 5)? as u64,
            queue,
        });
    }
    Ok(out)
}

fn destroy_controllers(top: &Map<String, Value>) -> Result<DestroyControllers, ConfigError> {
    let s = section(top, "destroy_controllers", "set 'destroy_controllers' => ['enable' => false, 'excluded_list' => []]")?;
    Ok(DestroyControllers {
        enable: bool_value(s.get("enable"), "destroy_controllers.enable", false)?,
        excluded_list: strings(s.get("excluded_list"), "destroy_controllers.excluded_list")?
            .into_iter()
            .map(|c| c.trim_start_matches('\\').to_owned())
            .collect(),
    })
}

fn leak_detector(top: &Map<String, Value>) -> Result<LeakDetector, ConfigError> {
    let s = section(top, "leak_detector", "set 'leak_detector' => ['enable' => false, 'ignore' => []]")?;
    Ok(LeakDetector {
        enable: bool_value(s.get("enable"), "leak_detector.enable", false)?,
        ignore: strings(s.get("ignore"), "leak_detector.ignore")?.into_iter().map(|c| c.trim_start_matches('\\').to_owned()).collect(),
    })
}
