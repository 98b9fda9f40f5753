//! Which paths count as a change: files whose name ends with one of `file_types`, outside
//! every directory of `excluded_dirs`.

use std::path::{Path, PathBuf};

/// `watch_path`, `file_types` and `excluded_dirs` of `inotify_reload`, resolved once.
#[derive(Debug, Clone)]
pub struct Filter {
    root: PathBuf,
    file_types: Vec<String>,
    excluded: Vec<PathBuf>,
}

impl Filter {
    /// Relative `excluded_dirs` are taken from `root` (`LaravelS`'s example gives absolute
    /// ones: `[base_path('vendor')]`). An empty `file_types` lets every file count.
    pub fn new(root: impl Into<PathBuf>, file_types: &[String], excluded_dirs: &[String]) -> Self {
        let root = root.into();
        let excluded = excluded_dirs.iter().filter(|d| !d.is_empty()).map(|d| root.join(d)).collect();
        Filter { root, file_types: file_types.to_vec(), excluded }
    }

    /// The watched directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether to watch `dir`: it is neither an excluded directory nor below one.
    pub fn wants_dir(&self, dir: &Path) -> bool {
        !self.excluded.iter().any(|e| dir.starts_with(e))
    }

    /// Whether a change of `file` counts: its name has a watched ending and its directory
    /// is watched.
    pub fn wants_file(&self, file: &Path) -> bool {
        let Some(name) = file.file_name().and_then(|n| n.to_str()) else {
            return false;
        };
        let typed = self.file_types.is_empty() || self.file_types.iter().any(|t| name.ends_with(t.as_str()));
        typed && file.parent().is_none_or(|dir| self.wants_dir(dir))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(types: &[&str], excluded: &[&str]) -> Filter {
        let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        Filter::new("/srv/app", &owned(types), &owned(excluded))
    }

    #[test]
    fn only_files_with_a_watched_ending_count() {
        let f = filter(&[".php"], &[]);
        assert!(f.wants_file(Path::new("/srv/app/app/Http/Controllers/HomeController.php")));
        assert!(f.wants_file(Path::new("/srv/app/resources/views/home.blade.php")));
        assert!(!f.wants_file(Path::new("/srv/app/notes.txt")));
        assert!(!f.wants_file(Path::new("/srv/app/app/Foo.php.swp")), "an editor's swap file is not code");
        assert!(!f.wants_file(Path::new("/srv/app/storage/logs/laravel.log")));
        let several = filter(&[".php", ".env"], &[]);
        assert!(several.wants_file(Path::new("/srv/app/.env")));
    }

    #[test]
    fn an_empty_list_of_endings_lets_every_file_count() {
        let f = filter(&[], &[]);
        assert!(f.wants_file(Path::new("/srv/app/notes.txt")));
    }

    #[test]
    fn excluded_dirs_and_everything_below_them_are_left_out() {
        let f = filter(&[".php"], &["/srv/app/vendor", "storage"]);
        assert!(!f.wants_dir(Path::new("/srv/app/vendor")));
        assert!(!f.wants_dir(Path::new("/srv/app/vendor/laravel/framework")));
        assert!(!f.wants_file(Path::new("/srv/app/vendor/autoload.php")));
        assert!(!f.wants_dir(Path::new("/srv/app/storage/framework/views")), "relative to watch_path");
        assert!(!f.wants_file(Path::new("/srv/app/storage/framework/views/abc.php")));
        // Whole path components only: vendor2 is not below vendor.
        assert!(f.wants_dir(Path::new("/srv/app/vendor2")));
        assert!(f.wants_file(Path::new("/srv/app/app/Models/User.php")));
        assert!(f.wants_dir(Path::new("/srv/app")));
    }
}
