//! Prometheus metrics: reviews by endpoint, operation, kind and decision; review latency;
//! certificate and configuration reloads.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Labels of one review.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReviewLabels {
    /// `validate` or `mutate`.
    pub endpoint: &'static str,
    /// `CREATE`, `UPDATE`, ... (empty for unreadable requests).
    pub operation: String,
    /// Kind of the object (`Pod`, `Deployment`, ...).
    pub kind: String,
    /// `allow`, `deny` or `error` (request refused before a decision).
    pub decision: &'static str,
}

/// Labels of the latency histogram.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EndpointLabels {
    /// `validate` or `mutate`.
    pub endpoint: &'static str,
}

/// Labels of a reload.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReloadLabels {
    /// `certificate` or `config`.
    pub what: &'static str,
    /// `success` or `failure`.
    pub result: &'static str,
}

/// Labels of a lookup among the verdicts given to pod templates.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReplicaLabels {
    /// `hit` (an earlier replica's verdict answered) or `miss`.
    pub result: &'static str,
}

type HistogramFamily = Family<EndpointLabels, Histogram, fn() -> Histogram>;

/// The webhook's metrics and their registry.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    reviews: Family<ReviewLabels, Counter>,
    latency: HistogramFamily,
    reloads: Family<ReloadLabels, Counter>,
    replicas: Family<ReplicaLabels, Counter>,
}

fn latency_histogram() -> Histogram {
    // 50 µs .. ~1.6 s
    Histogram::new(exponential_buckets(0.000_05, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("rampart");
        let reviews = Family::<ReviewLabels, Counter>::default();
        let latency: HistogramFamily = Family::new_with_constructor(latency_histogram);
        let reloads = Family::<ReloadLabels, Counter>::default();
        let replicas = Family::<ReplicaLabels, Counter>::default();
        registry.register(
            "admission_reviews",
            "Admission reviews by endpoint, operation, kind and decision",
            reviews.clone(),
        );
        registry.register(
            "admission_review_duration_seconds",
            "Time to decide one admission review",
            latency.clone(),
        );
        registry.register(
            "reloads",
            "Certificate and configuration reloads by result",
            reloads.clone(),
        );
        registry.register(
            "replica_verdicts",
            "Pod creations answered with the verdict on an earlier replica of their template (hit) or evaluated (miss)",
            replicas.clone(),
        );
        Self {
            registry,
            reviews,
            latency,
            reloads,
            replicas,
        }
    }
}

impl Metrics {
    /// Counts one review and its latency.
    pub fn review(&self, labels: &ReviewLabels, seconds: f64) {
        self.reviews.get_or_create(labels).inc();
        self.latency
            .get_or_create(&EndpointLabels {
                endpoint: labels.endpoint,
            })
            .observe(seconds);
    }

    /// Counts one lookup among the verdicts given to pod templates.
    pub fn replica_verdict(&self, hit: bool) {
        let result = if hit { "hit" } else { "miss" };
        self.replicas.get_or_create(&ReplicaLabels { result }).inc();
    }

    /// Counts one reload attempt.
    pub fn reload(&self, what: &'static str, ok: bool) {
        let result = if ok { "success" } else { "failure" };
        self.reloads
            .get_or_create(&ReloadLabels { what, result })
            .inc();
    }

    /// The OpenMetrics text exposition.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        if prometheus_client::encoding::text::encode(&mut text, &self.registry).is_err() {
            text.clear();
        }
        text
    }
}
