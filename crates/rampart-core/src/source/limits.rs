//! The explicit input limits of rampart's parser, in one place.

/// Limits applied to every input file. They protect the scanner and the webhook from
/// alias bombs, deep nesting and huge inputs; each breach is an input error with a
/// position, never a crash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted input, in bytes (default 32 MiB).
    pub max_file_bytes: u64,
    /// Deepest accepted nesting of mappings and sequences in one document (default 128).
    pub max_depth: usize,
    /// Most nodes (scalars, keys, sequences, mappings) in any one document: what bounds
    /// the memory of one document's tree (see [`Limits::for_file_size`]; 4,194,304 by
    /// default). Each document gets a budget of its own below this one, following its
    /// size ([`Limits::nodes_for`]).
    pub max_nodes: usize,
    /// Most alias references in one document (default 10,000).
    pub max_aliases: usize,
    /// Most parser events replayed through aliases in one document (default 100,000):
    /// this is what stops a "billion laughs" document.
    pub max_alias_replay_events: usize,
}

/// The node budget of any document, however small (aliases have limits of their own).
const MIN_NODES: usize = 250_000;

impl Default for Limits {
    fn default() -> Self {
        Self::for_file_size(32 * 1024 * 1024)
    }
}

impl Limits {
    /// The limits for files of at most `max_file_bytes`. A document may have as many
    /// nodes as a file that size holds in ordinary YAML (one per 8 bytes: `kubectl get
    /// -o yaml` writes about one per 10 to 30), and at least 250,000, so that one
    /// `kind: List` of a whole cluster is read like the same objects in separate
    /// documents. Aliases have limits of their own, so no document grows past this by
    /// expansion.
    pub fn for_file_size(max_file_bytes: u64) -> Self {
        let nodes_in_a_full_file = usize::try_from(max_file_bytes / 8).unwrap_or(usize::MAX);
        Self {
            max_file_bytes,
            max_depth: 128,
            max_nodes: nodes_in_a_full_file.max(MIN_NODES),
            max_aliases: 10_000,
            max_alias_replay_events: 100_000,
        }
    }

    /// The node budget of a document of `bytes` bytes: one node per 4 bytes of it (YAML
    /// as `kubectl get -o yaml` writes it has one per 5 to 30 bytes, keys counted, and
    /// compact JSON one per 6 or more), at least 250,000 and at most [`Limits::max_nodes`].
    /// Memory then grows with the document's own size, not with the file-size limit: a
    /// document cannot make the parser build more nodes than its text suggests.
    pub fn nodes_for(&self, bytes: usize) -> usize {
        (bytes / 4).max(MIN_NODES).min(self.max_nodes)
    }

    /// The serde-saphyr options that enforce these limits on a document of `bytes`
    /// bytes, with Kubernetes' scalar rules (YAML 1.1 booleans and `0644` octal, as
    /// `kubectl` reads them).
    pub(crate) fn yaml_options(&self, bytes: usize) -> serde_saphyr::Options {
        let mut budget = serde_saphyr::Budget::default();
        let nodes = self.nodes_for(bytes);
        budget.max_depth = self.max_depth;
        budget.max_nodes = nodes;
        // Each node is one event, or two for a collection (start and end): the node budget
        // is the one that counts. Likewise for scalar text, which the file size bounds.
        budget.max_events = nodes.saturating_mul(2).saturating_add(16);
        budget.max_total_scalar_bytes = usize::try_from(self.max_file_bytes)
            .unwrap_or(usize::MAX)
            .max(budget.max_total_scalar_bytes);
        budget.max_aliases = self.max_aliases;
        budget.max_documents = 1;
        let mut options = serde_saphyr::Options::default();
        options.budget = Some(budget);
        options.alias_limits.max_total_replayed_events = self.max_alias_replay_events;
        options.legacy_octal_numbers = true;
        options.strict_booleans = false;
        options.with_snippet = false;
        options
    }
}
