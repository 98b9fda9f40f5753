//! What each child of the manager is. Every child has a process id (Swoole's
//! `$workerId`): the HTTP workers first, then the task workers, the timer and the custom
//! processes. `ProcessLayout` is the one place that turns an id into a `ProcessRole` and
//! back; every layer (the manager, the master's slots, the PHP binding) asks it instead
//! of comparing ids with counts.

use crate::config::ServerConfig;

/// What a child of the manager does, decoded from its process id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessRole {
    /// An HTTP worker: requests, WebSocket and port events, its tasks' `finish()`.
    /// `index` is its queue slot in the master (`reactor::dispatch`), 0 .. `worker_num`.
    Http {
        /// The worker's queue slot in the master, equal to its process id.
        index: u32,
    },
    /// A task worker; `index` counts the task workers from 0.
    Task {
        /// 0 .. `task_worker_num`; its process id is `worker_num` + `index`.
        index: u32,
    },
    /// The timer process (`timer.enable`).
    Timer,
    /// A custom process: `process` indexes `ServerConfig::processes` (one entry per
    /// instance), `instance` numbers it among the processes of the same name.
    Custom {
        /// The index of its entry in `ServerConfig::processes`.
        process: usize,
        /// 0 for the first process of its name, 1 for the next, ...
        instance: u32,
    },
}

/// How process ids are laid out, from the config's counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessLayout {
    http: u32,
    task: u32,
    timer: bool,
    /// Each custom process's instance number, in id order.
    instances: Vec<u32>,
}

impl ProcessLayout {
    /// The layout of `config`'s processes.
    pub fn of(config: &ServerConfig) -> Self {
        Self::new(config.worker_num, config.task_worker_num, config.timer, config.processes.iter().map(|p| p.name.as_str()))
    }

    /// `http` HTTP workers, `task` task workers, a timer or not, and the custom processes'
    /// names in id order (one per instance).
    pub fn new<'a>(http: u32, task: u32, timer: bool, custom: impl IntoIterator<Item = &'a str>) -> Self {
        let names: Vec<&str> = custom.into_iter().collect();
        let instances = names.iter().enumerate().map(|(i, name)| names[..i].iter().filter(|n| *n == name).count() as u32).collect();
        ProcessLayout { http, task, timer, instances }
    }

    /// Every child the manager keeps; their ids are `0 .. len()`.
    pub fn len(&self) -> u32 {
        self.first_custom() + self.instances.len() as u32
    }

    /// Whether there is no child at all (never, for a parsed config: `worker_num` >= 1).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What process `id` is; `None` past the last child.
    pub fn role(&self, id: u32) -> Option<ProcessRole> {
        let task_start = self.http;
        let timer_start = task_start + self.task;
        let custom_start = self.first_custom();
        Some(match id {
            _ if id < task_start => ProcessRole::Http { index: id },
            _ if id < timer_start => ProcessRole::Task { index: id - task_start },
            _ if id < custom_start => ProcessRole::Timer,
            _ => {
                let process = (id - custom_start) as usize;
                ProcessRole::Custom { process, instance: *self.instances.get(process)? }
            }
        })
    }

    /// The process id of `role`; `None` for a role this layout does not have.
    pub fn id(&self, role: ProcessRole) -> Option<u32> {
        let id = match role {
            ProcessRole::Http { index } => (index < self.http).then_some(index)?,
            ProcessRole::Task { index } => (index < self.task).then_some(self.http + index)?,
            ProcessRole::Timer => self.timer.then_some(self.http + self.task)?,
            ProcessRole::Custom { process, instance } => (self.instances.get(process) == Some(&instance)).then_some(self.first_custom() + process as u32)?,
        };
        Some(id)
    }

    /// Every child, by id.
    pub fn roles(&self) -> impl Iterator<Item = (u32, ProcessRole)> + '_ {
        (0..self.len()).filter_map(|id| Some((id, self.role(id)?)))
    }

    fn first_custom(&self) -> u32 {
        self.http + self.task + u32::from(self.timer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn layout(config: serde_json::Value) -> ProcessLayout {
        ProcessLayout::of(&ServerConfig::parse(&config, "/app").unwrap())
    }

    #[test]
    fn worker_ids_count_workers_task_workers_the_timer_then_processes() {
        let c = layout(json!({"swoole": {"worker_num": 2, "task_worker_num": 1}}));
        assert_eq!(c.role(1), Some(ProcessRole::Http { index: 1 }));
        assert_eq!(c.role(2), Some(ProcessRole::Task { index: 0 }), "id 2 is the task worker");
        assert!(c.role(3).is_none());
        assert_eq!(c.len(), 3);
        let timed = layout(json!({"swoole": {"worker_num": 1, "task_worker_num": 1}, "timer": {"enable": true}}));
        assert_eq!(timed.role(2), Some(ProcessRole::Timer));
        assert!(timed.role(3).is_none());
        let p = json!({"class": "P"});
        let custom = layout(json!({"swoole": {"worker_num": 1}, "timer": {"enable": true}, "processes": {"a": p, "b": p}}));
        assert_eq!(custom.role(1), Some(ProcessRole::Timer));
        assert_eq!(custom.role(3), Some(ProcessRole::Custom { process: 1, instance: 0 }));
        assert!(custom.role(4).is_none());
    }

    #[test]
    fn instances_count_within_one_name() {
        let c = layout(json!({"swoole": {"worker_num": 1}, "processes": {"a": {"class": "A", "num": 2}, "b": {"class": "B"}, "c": {"class": "C", "num": 3}}}));
        let custom = c.roles().filter_map(|(_, r)| match r {
            ProcessRole::Custom { instance, .. } => Some(instance),
            _ => None,
        });
        assert_eq!(custom.collect::<Vec<_>>(), [0, 1, 0, 0, 1, 2]);
    }

    #[test]
    fn id_and_role_are_inverse_for_every_child() {
        let c = layout(json!({"swoole": {"worker_num": 3, "task_worker_num": 2}, "timer": {"enable": true}, "processes": {"a": {"class": "A", "num": 2}}}));
        assert_eq!(c.len(), 8);
        assert_eq!(c.roles().count(), 8);
        for (id, role) in c.roles() {
            assert_eq!(c.id(role), Some(id), "{role:?}");
        }
        assert_eq!(c.id(ProcessRole::Http { index: 3 }), None);
        assert_eq!(c.id(ProcessRole::Task { index: 2 }), None);
        assert_eq!(c.id(ProcessRole::Custom { process: 1, instance: 0 }), None, "process 1 is instance 1");
        let untimed = ProcessLayout::new(1, 0, false, []);
        assert_eq!((untimed.id(ProcessRole::Timer), untimed.len()), (None, 1));
    }
}
