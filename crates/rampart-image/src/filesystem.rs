//! Layers applied in order: the inventory's collector and the files worth a finding,
//! both following whiteouts, opaque directories and replaced paths.

use std::collections::BTreeMap;

use rampart_core::inventory::{Collector, Inventory, Layer, remove_paths_under};
use rampart_core::rules::ImageFile;

use crate::layer::{Content, Event};

/// The final file system, as far as rampart keeps it.
#[derive(Debug, Default)]
pub struct FileSystem {
    collector: Collector,
    /// Paths with set-id or world-write bits, with the layer that wrote them.
    files: BTreeMap<String, ImageFile>,
}

impl FileSystem {
    /// An empty file system.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies one layer's events: its deletions first, then its entries in tar order.
    pub fn apply(&mut self, layer: Option<&Layer>, events: Vec<Event>) {
        for event in &events {
            match event {
                Event::Whiteout(path) => {
                    self.collector.remove(path);
                    self.forget(path, true);
                }
                Event::Opaque(dir) => {
                    self.collector.remove_under(dir);
                    self.forget_under(dir);
                }
                Event::Entry(_) => {}
            }
        }
        for event in events {
            let Event::Entry(entry) = event else {
                continue;
            };
            self.forget(&entry.path, !entry.directory);
            if ImageFile::worth_keeping(entry.mode) {
                let file = ImageFile {
                    path: entry.path.clone(),
                    mode: entry.mode,
                    directory: entry.directory,
                    layer: layer.cloned(),
                };
                self.files.insert(entry.path.clone(), file);
            }
            match entry.content {
                // A new version of a database keeps the history of its path, so that
                // packages are attributed to the layer that installed them.
                Content::Read(file) => self.collector.insert(file, layer),
                Content::TooLarge { size, limit } => {
                    self.collector.remove(&entry.path);
                    self.collector.too_large(&entry.path, size, limit);
                }
                Content::Other if !entry.directory => self.collector.remove(&entry.path),
                Content::Other => {}
            }
        }
    }

    fn forget(&mut self, path: &str, and_under: bool) {
        self.files.remove(path);
        if and_under {
            self.forget_under(path);
        }
    }

    fn forget_under(&mut self, dir: &str) {
        remove_paths_under(&mut self.files, dir);
    }

    /// The inventory of the final file system, and its files with set-id or
    /// world-write bits in path order (the image file rules judge them).
    pub fn finish(self) -> (Inventory, Vec<ImageFile>) {
        (self.collector.finish(), self.files.into_values().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::Entry;

    fn entry(path: &str, mode: u32, content: Content) -> Event {
        Event::Entry(Entry {
            path: path.into(),
            directory: false,
            mode,
            content,
        })
    }

    #[test]
    fn an_opaque_root_hides_every_earlier_file() {
        let layer = |index| Layer {
            index,
            digest: format!("sha256:{index}"),
        };
        let os = rampart_core::inventory::read("etc/os-release", b"ID=debian\n");
        let mut fs = FileSystem::new();
        fs.apply(
            Some(&layer(0)),
            vec![
                entry("etc/os-release", 0o644, Content::Read(os.expect("read"))),
                entry("tmp/x", 0o666, Content::Other),
            ],
        );
        fs.apply(Some(&layer(1)), vec![Event::Opaque(String::new())]);
        let (inventory, files) = fs.finish();
        assert!(inventory.os.is_none());
        assert!(files.is_empty());
    }

    #[test]
    fn a_file_replaced_by_a_later_layer_takes_its_mode() {
        let mut fs = FileSystem::new();
        fs.apply(None, vec![entry("usr/bin/su", 0o4755, Content::Other)]);
        fs.apply(None, vec![entry("usr/bin/su", 0o755, Content::Other)]);
        assert!(fs.finish().1.is_empty());
    }
}
